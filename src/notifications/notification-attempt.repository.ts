import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { runPrepared } from '../database/prepared';

/** One push to one device, as recorded. */
export interface NotificationAttempt {
  transactionId: string;
  deviceId: string;
  platform: string;
  attempt: number;
  outcome: string;
  statusCode: number | null;
  detail: string | null;
  latencyMs: number;
}

/** All writes of notification_attempts (the push job's load reads them: push-job.repository.ts). */
@Injectable()
export class NotificationAttemptRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The attempts of every push job running at once, in one statement (hot path: prepared). */
  async insertMany(rows: NotificationAttempt[]): Promise<void> {
    await runPrepared(
      this.db,
      'push_attempts_insert',
      `INSERT INTO notification_attempts (transaction_id, device_id, platform, attempt, outcome, status_code, detail, latency_ms)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::text[], $6::int[], $7::text[], $8::int[])`,
      [
        rows.map((r) => r.transactionId),
        rows.map((r) => r.deviceId),
        rows.map((r) => r.platform),
        rows.map((r) => r.attempt),
        rows.map((r) => r.outcome),
        rows.map((r) => r.statusCode),
        rows.map((r) => r.detail),
        rows.map((r) => r.latencyMs),
      ],
    );
  }
}
