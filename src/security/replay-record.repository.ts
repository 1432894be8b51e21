import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** All SQL on replay_records (the Postgres fallback of the replay check while Redis is away). */
@Injectable()
export class ReplayRecordRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Records the digest for `ttlSeconds`; false when an unexpired record of it already exists. */
  async recordOnce(caller: string, digest: string, ttlSeconds: number): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `INSERT INTO replay_records (caller, digest, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))
       ON CONFLICT (caller, digest) DO UPDATE SET expires_at = EXCLUDED.expires_at
         WHERE replay_records.expires_at <= now()
       RETURNING 1`,
      [caller, digest, ttlSeconds],
    );
    return rows.length > 0;
  }

  /** When the last unexpired record expires; null when none is left. */
  async lastExpiry(): Promise<Date | null> {
    const rows: { until: Date | null }[] = await this.db.query(`SELECT max(expires_at) AS until FROM replay_records WHERE expires_at > now()`);
    return rows[0]?.until ?? null;
  }

  async deleteExpired(): Promise<void> {
    await this.db.query(`DELETE FROM replay_records WHERE expires_at <= now()`);
  }
}
