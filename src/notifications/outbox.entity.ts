import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('notification_attempts')
export class NotificationAttempt {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'transaction_id', type: 'uuid' }) transactionId: string;
  @Column({ name: 'device_id', type: 'uuid', nullable: true }) deviceId: string | null;
  @Column() platform: string;
  @Column({ type: 'int' }) attempt: number;
  @Column() outcome: string;
  @Column({ name: 'status_code', type: 'int', nullable: true }) statusCode: number | null;
  @Column({ type: 'text', nullable: true }) detail: string | null;
  @Column({ name: 'latency_ms', type: 'int', nullable: true }) latencyMs: number | null;
  @Column({ type: 'timestamptz' }) at: Date;
}

@Entity('callback_attempts')
export class CallbackAttempt {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'transaction_id', type: 'uuid' }) transactionId: string;
  @Column() status: string;
  @Column({ type: 'int' }) attempt: number;
  @Column() url: string;
  @Column({ name: 'status_code', type: 'int', nullable: true }) statusCode: number | null;
  @Column({ type: 'text', nullable: true }) error: string | null;
  @Column({ name: 'latency_ms', type: 'int', nullable: true }) latencyMs: number | null;
  @Column() delivered: boolean;
  @Column({ type: 'timestamptz' }) at: Date;
}
