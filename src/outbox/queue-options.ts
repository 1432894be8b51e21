import type { DefaultJobOptions } from 'bullmq';
import type { AppConfig } from '../config/config';

/**
 * BullMQ key prefix. The braces are a Redis Cluster hash tag: every key of every queue lands in
 * one slot, which BullMQ's multi-key Lua scripts require.
 */
export function queuePrefix(config: AppConfig): string {
  return `{${config.redisPrefix}}`;
}

/**
 * Exponential backoff with jitter and a bounded number of attempts. Completed jobs are kept a
 * day so a re-relayed outbox row (same job id) is recognised and not run twice; failed jobs
 * are kept for operators.
 */
export function jobOptions(config: AppConfig, attempts: number): DefaultJobOptions {
  return {
    attempts,
    backoff: { type: 'exponential', delay: config.backoffBaseMs, jitter: 0.5 },
    removeOnComplete: { age: 24 * 3600, count: 100_000 },
    removeOnFail: { age: 30 * 24 * 3600 },
  };
}

/**
 * Lock and stall-check timing of the workers, read when the processor class is declared (the
 * decorator runs before the configuration is loaded; config.ts validates WORKER_LOCK_MS).
 * A job whose worker died keeps its lock for this long, then the next stall check (same
 * interval) hands it to another worker.
 */
export function workerLockOptions(env: Record<string, string | undefined> = process.env): { lockDuration: number; stalledInterval: number } {
  const ms = /^\d+$/.test(env.WORKER_LOCK_MS ?? '') ? Math.max(500, Number(env.WORKER_LOCK_MS)) : 30_000;
  return { lockDuration: ms, stalledInterval: ms };
}
