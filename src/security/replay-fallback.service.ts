import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiError } from '../common/errors/api-error';

/**
 * Replay protection when Redis is away. Redis stays the fast path; while it is unreachable, a
 * signed request's digest is recorded in Postgres instead (shared by every instance, like Redis),
 * so sends keep being accepted exactly once. Records written during an outage outlive it: until
 * they expire, every request is also checked against them, so a request accepted during the
 * outage cannot be replayed once Redis is back.
 */
@Injectable()
export class ReplayFallback {
  private activeUntil = 0;
  private checkedAt = 0;

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Records `digest` for `caller`; SEC_1000004 when it is already recorded and not expired. */
  async recordOnce(caller: string, digest: string, ttlMs: number): Promise<void> {
    const rows: unknown[] = await this.db.query(
      `INSERT INTO replay_records (caller, digest, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))
       ON CONFLICT (caller, digest) DO UPDATE SET expires_at = EXCLUDED.expires_at
         WHERE replay_records.expires_at <= now()
       RETURNING 1`,
      [caller, digest, ttlMs / 1000],
    );
    this.activeUntil = Math.max(this.activeUntil, Date.now() + ttlMs);
    if (rows.length === 0) throw new ApiError('SEC_1000004');
  }

  /**
   * True while unexpired records may exist (written by this or another instance). Asked of
   * Postgres at most once a second, so the normal path costs nothing.
   */
  async isActive(): Promise<boolean> {
    if (Date.now() < this.activeUntil) return true;
    if (Date.now() - this.checkedAt < 1000) return false;
    this.checkedAt = Date.now();
    const rows: { until: Date | null }[] = await this.db.query(`SELECT max(expires_at) AS until FROM replay_records WHERE expires_at > now()`);
    if (rows[0]?.until) this.activeUntil = new Date(rows[0].until).getTime();
    else if (this.activeUntil > 0) await this.db.query(`DELETE FROM replay_records WHERE expires_at <= now()`);
    return Date.now() < this.activeUntil;
  }
}
