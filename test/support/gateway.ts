import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';
import { createApp } from '../../src/app.factory';
import { AppConfig, loadConfig } from '../../src/config/config';

export const ADMIN_ID = 'test-admin';
export const ADMIN_SECRET = 'test-admin-secret-0123456789';
const DEFAULT_PG = 'postgres://postgres@127.0.0.1:5432/test';
const DEFAULT_REDIS = 'redis://127.0.0.1:6379';

/** A running gateway for a test file: its own database and its own Redis key prefix. */
export interface Gateway {
  url: string;
  app: NestFastifyApplication;
  config: AppConfig;
  /** Direct database access for assertions (rows written, nothing written). */
  db: Pool;
  /** Direct Redis access for assertions (jobs, replay records). */
  redis: Redis;
  close(): Promise<void>;
}

/** Admin base URL of the test Postgres: TEST_DATABASE_URL, DATABASE_URL, or the local default. */
export function testPostgresUrl(): string {
  return process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? DEFAULT_PG;
}

export function testRedisUrl(): string {
  return process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? DEFAULT_REDIS;
}

/** Creates an empty database for one test file and answers its URL. */
export async function createTestDatabase(): Promise<string> {
  const admin = new Client({ connectionString: testPostgresUrl() });
  await admin.connect();
  const name = `mwq_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(testPostgresUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropTestDatabase(databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const admin = new Client({ connectionString: testPostgresUrl() });
  await admin.connect();
  // A pool that has just ended may still be closing its clients' sockets. A forced drop would
  // terminate them mid-close (57P01), an 'error' no pool listens to any more, which fails the
  // file; so the drop waits (up to 2 s) for them to leave, and forces only what stays.
  for (let waited = 0; waited < 2000; waited += 50) {
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1`, [name]);
    if (rows[0].n === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}

/** The configuration a test gateway runs with; `env` overrides any variable. */
export function testConfig(databaseUrl: string, env: Record<string, string> = {}): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: `mwqtest:${randomBytes(4).toString('hex')}`,
    ADMIN_CLIENT_ID: ADMIN_ID,
    ADMIN_CLIENT_SECRET: ADMIN_SECRET,
    DATA_DIR: `/tmp/muwafaqa-test-${process.pid}`,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    BACKOFF_BASE_MS: '50',
    OUTBOX_POLL_INTERVAL_MS: '100',
    EXPIRY_SWEEP_INTERVAL_MS: '200',
    ...env,
  });
}

/** Boots the real HTTP server on a loopback port, against real Postgres and Redis. */
export async function startGateway(env: Record<string, string> = {}, reuseDatabaseUrl?: string): Promise<Gateway> {
  const databaseUrl = reuseDatabaseUrl ?? (await createTestDatabase());
  const config = testConfig(databaseUrl, env);
  const app = await createApp(config);
  // A fixed PORT only when a test must know the URL before boot (e.g. an IdP redirect URI).
  await app.listen(env.PORT ? Number(env.PORT) : 0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  const db = new Pool({ connectionString: databaseUrl, max: 4 });
  const redis = new Redis(config.redisUrl!, { maxRetriesPerRequest: 1 });
  return {
    url,
    app,
    config,
    db,
    redis,
    async close() {
      await app.close();
      await db.end();
      // Our own keys start with the prefix; BullMQ's with its hash-tagged form `{prefix}`.
      try {
        const keys = [...(await redis.keys(`${config.redisPrefix}*`)), ...(await redis.keys(`{${config.redisPrefix}}*`))];
        if (keys.length) await redis.del(...keys);
      } catch (err) {
        // A test stopped its own Redis: nothing is left there to clean.
        if (redis.status === 'ready') throw err;
      }
      redis.disconnect();
      if (!reuseDatabaseUrl) await dropTestDatabase(databaseUrl);
    },
  };
}
