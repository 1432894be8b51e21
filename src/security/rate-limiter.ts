import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS, redisKey } from '../common/core.module';
import { ApiError } from '../common/errors/api-error';
import { APP_CONFIG, AppConfig } from '../config/config';

/**
 * One atomic step in Redis: count the request in the caller's current minute and, when it is
 * within the limit, record a one-time marker (the replay record of a signed request) and read back
 * a counter the route needs (the SP's identifier-probe answers), so a request costs one round
 * trip. A request refused for the rate limit does not burn its signature, so the SP may resend it
 * after Retry-After; a marker already present means a replay. Every key shares the caller's hash
 * tag, so the script stays in one Redis Cluster slot.
 *   KEYS: the minute's counter, then the marker when ARGV[3] is '1', then the counter to read
 *   when ARGV[4] is '1'.
 *   returns -1: over the limit; -2: marker already present; else the read counter (0 if none).
 */
const CONSUME = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], 61000) end
if count > tonumber(ARGV[1]) then return -1 end
local k = 2
if ARGV[3] == '1' then
  if not redis.call('SET', KEYS[k], '1', 'PX', ARGV[2], 'NX') then return -2 end
  k = k + 1
end
if ARGV[4] == '1' then return tonumber(redis.call('GET', KEYS[k]) or '0') or 0 end
return 0`;

/**
 * Reserves one failure in two budgets at once: the (client id, source) pair's and the source's
 * own. Reserved before the costly check and refunded when it succeeds, so only failures count and
 * concurrent guesses cannot all slip in before the first one is counted.
 *   returns -1: a budget is spent (nothing reserved); 1: reserved.
 */
const RESERVE_FAILURE = `
local a = redis.call('INCR', KEYS[1])
if a == 1 then redis.call('PEXPIRE', KEYS[1], 61000) end
local b = redis.call('INCR', KEYS[2])
if b == 1 then redis.call('PEXPIRE', KEYS[2], 61000) end
if a > tonumber(ARGV[1]) or b > tonumber(ARGV[2]) then
  redis.call('DECR', KEYS[1])
  redis.call('DECR', KEYS[2])
  return -1
end
return 1`;

type ConsumeCommand = (numKeys: number, ...args: (string | number)[]) => Promise<number>;

/** A failure reserved by `reserveFailure`: refund it when the attempt turns out to succeed. */
export interface FailureReservation {
  refund(): Promise<void>;
}

/**
 * The Redis counter of an SP's answers that revealed an identifier has no verified profile, in the
 * current IDENTIFIER_PROBE_WINDOW_SECONDS window (IdentifierProbes counts them; SpSignatureGuard reads it in the
 * rate-limit script). Under the SP's hash tag, the same as its rate-limit and replay keys.
 */
export function identifierProbeKey(config: AppConfig, spId: string): string {
  const window = Math.floor(Date.now() / 1000 / config.identifierProbeWindowSeconds);
  return redisKey(config, `{sp:${spId}}`, 'probes', String(window));
}

/** Fixed one-minute windows per caller, shared by every instance through Redis. */
@Injectable()
export class RateLimiter {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    if (!(redis as Partial<Record<'muwafaqaConsume', unknown>>).muwafaqaConsume) redis.defineCommand('muwafaqaConsume', { lua: CONSUME });
    if (!(redis as Partial<Record<'muwafaqaReserveFailure', unknown>>).muwafaqaReserveFailure) {
      redis.defineCommand('muwafaqaReserveFailure', { lua: RESERVE_FAILURE });
    }
  }

  /**
   * Counts one request of `caller`; throws SEC_1000005 (429, Retry-After) over `perMinute`, and
   * SEC_1000004 when `once.key` was already recorded within its TTL. Resolves to the value of the
   * counter `readBack` (a full key under the caller's hash tag), 0 when absent or not asked for.
   */
  async consume(caller: string, perMinute: number, once?: { key: string; ttlMs: number }, readBack?: string): Promise<number> {
    const now = Date.now();
    const tag = `{${caller}}`;
    const keys = [redisKey(this.config, tag, 'rate', String(Math.floor(now / 60_000)))];
    if (once) keys.push(redisKey(this.config, tag, once.key));
    if (readBack) keys.push(readBack);
    // EVALSHA after the first call (ioredis falls back to EVAL once if the script cache was flushed).
    const redis = this.redis as Redis & { muwafaqaConsume: ConsumeCommand };
    const result = Number(await redis.muwafaqaConsume(keys.length, ...keys, perMinute, once?.ttlMs ?? 0, once ? '1' : '0', readBack ? '1' : '0'));
    if (result === -1) {
      const retryAfter = 60 - Math.floor((now / 1000) % 60);
      throw new ApiError('SEC_1000005', { retryAfter }).withHeader('Retry-After', String(retryAfter));
    }
    if (result === -2) throw new ApiError('SEC_1000004');
    return result;
  }

  /**
   * Reserves one failed attempt of `subject` from `source` this minute: at most `perSubject` for
   * the pair and `perSource` for the source across all subjects, else SEC_1000005 (429). The
   * caller refunds the reservation when the attempt succeeds, so successes never count.
   */
  async reserveFailure(subject: string, source: string, perSubject: number, perSource: number): Promise<FailureReservation> {
    const now = Date.now();
    const minute = String(Math.floor(now / 60_000));
    // Both keys carry the source's hash tag, so the script stays in one Redis Cluster slot.
    const tag = `{src:${source}}`;
    const keys = [redisKey(this.config, tag, 'fail', subject, minute), redisKey(this.config, tag, 'fail', minute)];
    const redis = this.redis as Redis & { muwafaqaReserveFailure: ConsumeCommand };
    if (Number(await redis.muwafaqaReserveFailure(keys.length, ...keys, perSubject, perSource)) === -1) {
      const retryAfter = 60 - Math.floor((now / 1000) % 60);
      throw new ApiError('SEC_1000005', { retryAfter }).withHeader('Retry-After', String(retryAfter));
    }
    return { refund: async () => void (await redis.multi().decr(keys[0]).decr(keys[1]).exec()) };
  }
}
