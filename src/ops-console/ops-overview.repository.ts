import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface CallbackAttemptsRow {
  attempts: number;
  failed: number;
  last_status: number | null;
  last_error: string | null;
  last_at: Date | null;
}

/** The console's small aggregates over callback_attempts and outbox, the only place that shows them. */
@Injectable()
export class OpsOverviewRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Callback attempts of the last `seconds`, for every SP or one: how many, how many failed, and the latest. */
  async callbackAttemptsSince(seconds: number, spId?: string): Promise<CallbackAttemptsRow | undefined> {
    const rows: (Omit<CallbackAttemptsRow, 'attempts' | 'failed'> & { attempts: string; failed: string })[] = await this.db.query(
      `SELECT count(*) AS attempts, count(*) FILTER (WHERE NOT a.delivered) AS failed,
              (array_agg(a.status_code ORDER BY a.id DESC))[1] AS last_status,
              (array_agg(a.error ORDER BY a.id DESC))[1] AS last_error,
              max(a.at) AS last_at
         FROM callback_attempts a
         ${spId ? 'JOIN consent_transactions t ON t.id = a.transaction_id AND t.sp_id = $2' : ''}
        WHERE a.at > now() - make_interval(secs => $1)`,
      spId ? [seconds, spId] : [seconds],
    );
    const r = rows[0];
    return r && { ...r, attempts: Number(r.attempts), failed: Number(r.failed) };
  }

  /** Outbox rows not yet relayed, per topic, with the age in seconds of the oldest. */
  async pendingOutbox(): Promise<{ topic: string; n: number; oldest: number | null }[]> {
    const rows: { topic: string; n: string; oldest: number | null }[] = await this.db.query(
      `SELECT topic, count(*) AS n, extract(epoch FROM now() - min(created_at))::float AS oldest FROM outbox WHERE dispatched_at IS NULL GROUP BY topic`,
    );
    return rows.map((r) => ({ topic: r.topic, n: Number(r.n), oldest: r.oldest }));
  }
}
