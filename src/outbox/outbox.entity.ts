import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { OutboxTopic } from './outbox-topics';

/** Written in the same database transaction as the change it announces; the relay moves it to BullMQ. */
@Entity('outbox')
export class OutboxMessage {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ type: 'text' }) topic: OutboxTopic;
  @Column({ name: 'transaction_id', type: 'uuid' }) transactionId: string;
  @Column({ type: 'jsonb' }) payload: Record<string, unknown>;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'dispatched_at', type: 'timestamptz', nullable: true }) dispatchedAt: Date | null;
}
