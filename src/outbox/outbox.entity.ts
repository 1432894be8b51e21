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
  /** Unique forever (UUIDv7); the queue job id derives from it. A callback row shares it with its consent event. */
  @Column({ name: 'event_id', type: 'uuid' }) eventId: string;
  /** The SP a callback row is for (its events feed); NULL for push rows. */
  @Column({ name: 'sp_id', type: 'text', nullable: true }) spId: string | null;
  /** When the consumer finished with the row for good, and how. */
  @Column({ name: 'settled_at', type: 'timestamptz', nullable: true }) settledAt: Date | null;
  @Column({ type: 'text', nullable: true }) outcome: 'delivered' | 'failed' | 'skipped' | null;
}
