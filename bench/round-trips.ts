/**
 * Postgres round trips and Redis commands that one send causes end to end (the request, the
 * outbox relay, the push job), counted inside one gateway process with its workers in process.
 *
 *   node dist/bench/round-trips.js [--sends N]
 *
 * Boots the built app against a fresh database (DATABASE_URL's server) and Redis (REDIS_URL),
 * with a fake FCM; one SP, one verified user with one device. Every pg `Client.query` is one
 * round trip; every ioredis command is counted (a pipeline's commands share a round trip, so
 * they are listed by name). Idle traffic (relay polls, BullMQ's housekeeping) is measured over
 * the same time with no sends and subtracted. Two phases: sends one after another (each waits for
 * its push), then the same number at once.
 */
import 'reflect-metadata';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createApp } from '../src/app.factory';
import { loadConfig } from '../src/config/config';
import { startNotificationProbe } from './notification-probe';
import { ADMIN_ID, ADMIN_SECRET, createUser, dropDatabase, freePort, onboardSp, recreateDatabase, SEND_PATH, sendBody, signedHeaders } from './support';

const pgCounts = new Map<string, number>();
const redisCounts = new Map<string, number>();
let counting = false;
const bump = (m: Map<string, number>, k: string) => counting && m.set(k, (m.get(k) ?? 0) + 1);

// Every round trip of every pg client and every ioredis command of this process.
const query = Client.prototype.query as (...args: unknown[]) => unknown;
Client.prototype.query = function (this: Client, ...args: unknown[]) {
  const q = args[0] as string | { text?: string; name?: string };
  const text = typeof q === 'string' ? q : (q?.name ?? q?.text ?? '?');
  bump(pgCounts, text.replace(/\s+/g, ' ').trim().slice(0, 70));
  return query.apply(this, args);
} as typeof Client.prototype.query;
const sendCommand = Redis.prototype.sendCommand as (...args: unknown[]) => unknown;
Redis.prototype.sendCommand = function (this: Redis, ...args: unknown[]) {
  const cmd = args[0] as { name: string; args: unknown[] };
  // EVALSHA sha numkeys key…: the first key names what the script is for.
  const key = String((cmd.name === 'evalsha' || cmd.name === 'eval' ? cmd.args?.[2] : cmd.args?.[0]) ?? '');
  const kind = /:rate:|:replay:/.test(key) ? ' (rate limit + replay + probe budget)' : ' (BullMQ)';
  bump(redisCounts, `${cmd.name}${cmd.name === 'evalsha' || cmd.name === 'eval' ? kind : ''}`);
  return sendCommand.apply(this, args);
} as typeof Redis.prototype.sendCommand;

function take(m: Map<string, number>): Map<string, number> {
  const copy = new Map(m);
  m.clear();
  return copy;
}

/** Busy minus idle, per send, by statement or command. */
function perSend(busy: Map<string, number>, idle: Map<string, number>, sends: number): [string, number][] {
  const keys = new Set([...busy.keys(), ...idle.keys()]);
  return [...keys]
    .map((k): [string, number] => [k, ((busy.get(k) ?? 0) - (idle.get(k) ?? 0)) / sends])
    .filter(([, v]) => Math.abs(v) >= 0.005)
    .sort((a, b) => b[1] - a[1]);
}

function report(title: string, sends: number, busy: Map<string, number>, idle: Map<string, number>): void {
  const lines = [`\n${title}: per send (idle traffic over the same time subtracted)`];
  for (const prefix of ['pg ', 'redis '] as const) {
    const only = (m: Map<string, number>) => new Map([...m].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
    const rows = perSend(only(busy), only(idle), sends);
    lines.push(`  ${prefix === 'pg ' ? 'Postgres round trips' : 'Redis commands'}: ${rows.reduce((sum, [, v]) => sum + v, 0).toFixed(2)}`);
    for (const [k, v] of rows) lines.push(`    ${v.toFixed(2).padStart(6)}  ${k}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

function snapshot(): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of take(pgCounts)) out.set(`pg ${k}`, v);
  for (const [k, v] of take(redisCounts)) out.set(`redis ${k}`, v);
  return out;
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--sends');
  const sends = at > 0 ? Number(process.argv[at + 1]) : 50;
  const adminPg = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const dbName = `mwq_rt_${process.pid}`;
  const databaseUrl = await recreateDatabase(adminPg, dbName);
  const dataDir = mkdtempSync(join(tmpdir(), 'mwq-rt-'));
  const probe = await startNotificationProbe();
  const port = await freePort();
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'development',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `mwqrt:${randomBytes(4).toString('hex')}`,
    RATE_LIMIT_PER_MINUTE: '1000000',
    LOG_LEVEL: 'warn',
    ADMIN_CLIENT_ID: ADMIN_ID,
    ADMIN_CLIENT_SECRET: ADMIN_SECRET,
    DATA_DIR: dataDir,
    ...probe.gatewayEnv,
  });
  const app = await createApp(config);
  await app.listen(port, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  try {
    const sp = await onboardSp(url);
    const user = await createUser(url);
    await probe.registerDevice(databaseUrl, user.id);
    let n = 0;
    const sendOne = async () => {
      const body = sendBody(sp, user.emiratesId, `rt-${n++}`);
      const res = await fetch(`${url}${SEND_PATH}`, { method: 'POST', headers: signedHeaders(sp, SEND_PATH, body, String(Date.now() - n)), body });
      if (res.status !== 201) throw new Error(`send: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { uaePassTransactionID: string }).uaePassTransactionID;
    };
    const pushed = async (ids: string[]) => {
      const sentAt = new Map(ids.map((id) => [id, performance.now()]));
      const r = await probe.latencies(sentAt, 30_000);
      if (r.received !== ids.length) throw new Error(`only ${r.received}/${ids.length} pushes arrived`);
    };
    // Warm every cache and statement.
    for (let i = 0; i < 10; i++) await pushed([await sendOne()]);

    counting = true;
    for (const phase of ['one after another', 'all at once'] as const) {
      await new Promise((r) => setTimeout(r, 1000));
      snapshot();
      const started = Date.now();
      if (phase === 'one after another') for (let i = 0; i < sends; i++) await pushed([await sendOne()]);
      else await pushed(await Promise.all(Array.from({ length: sends }, sendOne)));
      const busy = snapshot();
      // The same time with nothing sent: what the process does anyway.
      await new Promise((r) => setTimeout(r, Date.now() - started));
      const idle = snapshot();
      report(`${sends} sends, ${phase}`, sends, busy, idle);
    }
  } finally {
    counting = false;
    await app.close();
    await probe.close();
    const redis = new Redis(config.redisUrl!);
    const keys = [...(await redis.keys(`${config.redisPrefix}*`)), ...(await redis.keys(`{${config.redisPrefix}}*`))];
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await dropDatabase(adminPg, dbName);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`round-trips: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
