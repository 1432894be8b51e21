import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { REDIS } from '../common/core.module';
import { ApiError } from '../common/errors/api-error';
import type { RedisClient } from '../common/redis';
import { ReplayRecordRepository } from './replay-record.repository';

/**
 * Replay protection when Redis is away. Redis stays the fast path; while it is unreachable, a
 * signed request's digest is recorded in Postgres instead (shared by every instance, like Redis),
 * so sends keep being accepted exactly once. Records written during an outage outlive it: until
 * they expire, every request is also checked against them, so a request accepted during the
 * outage cannot be replayed once Redis is back.
 *
 * What Redis accepted before the outage is not in Postgres, so during an outage a request whose
 * X-Timestamp is older than the outage's start cannot be proven fresh and is refused with
 * REQ_1000006 (503, Retry-After): a retry is signed again with a current timestamp and goes through. A request signed with a timestamp ahead of the server clock could
 * be accepted before the outage and still look newer than its start: those few are written to
 * Postgres as well when Redis accepts them (`mustAlsoRecord`).
 */
/**
 * Requests Redis accepted are dated at most this far ahead of the clock unless also written to
 * Postgres; during an outage, timestamps before its start plus this are refused. So a request
 * accepted before the outage is either in Postgres or refused, whatever its clock.
 */
const CLOCK_AHEAD_TOLERANCE_MS = 2000;

@Injectable()
export class ReplayFallback implements OnModuleInit {
  private activeUntil = 0;
  private checkedAt = 0;
  /** When this instance lost Redis (every connection drops at once), or undefined while it is up. */
  private downSince?: number;

  constructor(
    private readonly records: ReplayRecordRepository,
    @Inject(REDIS) private readonly redis: RedisClient,
  ) {}

  onModuleInit(): void {
    const down = () => (this.downSince ??= Date.now());
    this.redis.on('close', down);
    this.redis.on('end', down);
    this.redis.on('ready', () => (this.downSince = undefined));
  }

  /**
   * Called when Redis could not record a signed request: refuses (REQ_1000006, retry shortly) a
   * timestamp older than the outage's start, which Redis may have accepted already.
   */
  assertFreshDuringOutage(timestamp: number): void {
    // A hung Redis closes no connection: the first failed command marks the start.
    const since = (this.downSince ??= Date.now());
    if (timestamp < since + CLOCK_AHEAD_TOLERANCE_MS) {
      const retryAfter = Math.max(1, Math.ceil((since + CLOCK_AHEAD_TOLERANCE_MS - Date.now()) / 1000));
      throw new ApiError('REQ_1000006').withHeader('Retry-After', String(retryAfter));
    }
  }

  /**
   * After Redis accepted a request: one dated further ahead of the clock than the tolerance must be
   * in Postgres too (see above). Rare (a clock far ahead), so the hot path stays Redis only.
   */
  mustAlsoRecord(timestamp: number): boolean {
    return timestamp > Date.now() + CLOCK_AHEAD_TOLERANCE_MS;
  }

  /**
   * Records `digest` for `caller`; SEC_1000004 when it is already recorded and not expired.
   * `alsoInRedis`: Redis holds it too, so later requests need not be checked against Postgres.
   */
  async recordOnce(caller: string, digest: string, ttlMs: number, alsoInRedis = false): Promise<void> {
    const recorded = await this.records.recordOnce(caller, digest, ttlMs / 1000);
    if (!alsoInRedis) this.activeUntil = Math.max(this.activeUntil, Date.now() + ttlMs);
    if (!recorded) throw new ApiError('SEC_1000004');
  }

  /**
   * True while unexpired records may exist (written by this or another instance). Asked of
   * Postgres at most once a second, so the normal path costs nothing.
   */
  async isActive(): Promise<boolean> {
    if (Date.now() < this.activeUntil) return true;
    if (Date.now() - this.checkedAt < 1000) return false;
    this.checkedAt = Date.now();
    const until = await this.records.lastExpiry();
    if (until) this.activeUntil = new Date(until).getTime();
    else if (this.activeUntil > 0) await this.records.deleteExpired();
    return Date.now() < this.activeUntil;
  }
}
