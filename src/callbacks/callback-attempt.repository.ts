import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** One call of an SP's callback URL, as recorded for operators. */
export interface CallbackAttempt {
  transactionId: string;
  status: string;
  attempt: number;
  /** Without credentials. */
  url: string;
  statusCode: number | null;
  error: string | null;
  latencyMs: number;
  delivered: boolean;
}

/** All writes of callback_attempts. */
@Injectable()
export class CallbackAttemptRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async insert(a: CallbackAttempt): Promise<void> {
    await this.db.query(
      `INSERT INTO callback_attempts (transaction_id, status, attempt, url, status_code, error, latency_ms, delivered)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [a.transactionId, a.status, a.attempt, a.url, a.statusCode, a.error, a.latencyMs, a.delivered],
    );
  }
}
