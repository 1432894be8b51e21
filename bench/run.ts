/**
 * `npm run bench`: the gateway against its own ceilings, side by side, in one run.
 *
 *   send      POST /send, each request its own spTransactionID, token pair and fresh signature
 *   status    POST /status over a table of >= 1,000,000 transactions
 *   framework GET /health/live on the same server (the cheapest route: the framework ceiling)
 *   baseline  the same sends against bench/baseline-server.ts (Fastify + pg, written by hand)
 *   pgbench   the exact SQL of one send, -M prepared, same concurrency (the database ceiling)
 *   notify    201 of a send -> the fake push provider receiving its push, under the send load
 *   sustained the highest send rate held BENCH_SUSTAINED_SECONDS (60) with push p99 <= 1 s and no
 *             queue growth, next to the 201-only rate (bench/sustained.ts; BENCH_SUSTAINED_STEPS tries)
 *
 * Every request is built and signed before the clock starts; autocannon only picks the next one.
 * Options: --duration S (10), --rows N (1000000), --connections 16,64, --keep-db,
 * --only framework,status,send,sustained,baseline,pgbench (e.g. to profile one route with BENCH_NODE_ARGS=--cpu-prof),
 * --instances N --workers M (run the gateway as `npm run start:cluster` does; default 1 API process
 * and 1 worker process; --workers 0 puts the workers inside the API process).
 * BENCH_GATEWAY_ROOT=<checkout> runs that checkout's built gateway under this harness (an A/B of
 * two builds with the same load, e.g. an older commit exported and built in /tmp).
 * See docs/benchmark.md.
 */
import autocannon from 'autocannon';
import Redis from 'ioredis';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { cpuTarget, startCpuCount } from './cpu';
import { NotificationProbe, startNotificationProbe } from './notification-probe';
import { PgbenchResult, runPgbench, sendScript } from './pgbench';
import { describeSustained, measureSustained, SustainedResult } from './sustained';
import {
  ADMIN_ID,
  ADMIN_SECRET,
  BenchSp,
  GatewayProcess,
  createUser,
  dropDatabase,
  freePort,
  onboardSp,
  recreateDatabase,
  SEND_PATH,
  sendBody,
  signedHeaders,
  startGatewayProcess,
  STATUS_PATH,
} from './support';

interface Options {
  duration: number;
  rows: number;
  connections: number[];
  keepDb: boolean;
  /** API processes (1: a single `dist/src/main.js`; more: `start:cluster`). */
  instances: number;
  /** Separate queue-worker processes (0: workers run inside the API process). */
  workers: number;
  /** Measurements to run (default all): framework, status, send, sustained (needs send), baseline, pgbench. */
  only: Set<string>;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = {
    duration: 10,
    rows: 1_000_000,
    connections: [16, 64],
    keepDb: false,
    instances: 1,
    // The push and callback workers in their own process, as deployed (docs/scaling.md): in the
    // API process they starve under send load (docs/benchmark.md, "Third session: send path").
    workers: 1,
    only: new Set(['framework', 'status', 'send', 'sustained', 'baseline', 'pgbench']),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--duration') opts.duration = Number(argv[++i]);
    else if (a === '--rows') opts.rows = Number(argv[++i]);
    else if (a === '--connections') opts.connections = argv[++i].split(',').map(Number);
    else if (a === '--keep-db') opts.keepDb = true;
    else if (a === '--instances') opts.instances = Number(argv[++i]);
    else if (a === '--workers') opts.workers = Number(argv[++i]);
    else if (a === '--only') opts.only = new Set(argv[++i].split(','));
    else throw new Error(`unknown option ${a}`);
  }
  if (!(opts.instances >= 1) || !(opts.workers >= 0) || !(opts.duration > 0) || !(opts.rows > 0) || opts.connections.some((c) => !(c > 0)))
    throw new Error('bad options');
  return opts;
}

export interface LoadResult {
  name: string;
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
  poolExhausted?: boolean;
  /** CPU of the server process and of the database's backends per 2xx answer, in µs (bench/cpu.ts). */
  cpuUsPerRequest?: { server: number; postgres: number };
}

interface Prepared {
  headers: Record<string, string>;
  body: string;
}

const log = (msg: string) => process.stdout.write(`bench: ${msg}\n`);

/**
 * Requests to prepare for a measurement of `seconds`: four times the warm-up's rate (64
 * connections can run well above 16's), never under 3,000 a second. A fast machine ran a fixed
 * 3,000 a second dry and answered the repeats with 401 (replays), which the figures then hid.
 */
function poolSize(warmupRps: number, seconds: number): number {
  return Math.max(3000, Math.ceil(4 * warmupRps)) * seconds;
}

/** One autocannon run; `pool` (when given) is cycled through, one prepared request per request sent. */
async function load(
  name: string,
  url: string,
  connections: number,
  duration: number,
  target: { method: 'GET'; path: string } | { method: 'POST'; path: string; pool: Prepared[]; onBody?: (status: number, body: string) => void },
): Promise<LoadResult> {
  let next = 0;
  let exhausted = false;
  const requests: autocannon.RequestSpec[] | undefined =
    target.method === 'POST'
      ? [
          {
            setupRequest: (req) => {
              if (next >= target.pool.length) exhausted = true;
              const p = target.pool[next++ % target.pool.length];
              req.method = 'POST';
              req.path = target.path;
              req.headers = p.headers;
              req.body = p.body;
              return req;
            },
            onResponse: target.onBody ? (status, body) => target.onBody!(status, body) : undefined,
          },
        ]
      : undefined;
  const cpu = startCpuCount();
  const r = await autocannon({ url: `${url}${target.path}`, connections, duration, timeout: 10, requests });
  const statusCodes: Record<string, number> = {};
  for (const [code, v] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = v.count;
  const ok = r['2xx'];
  const result: LoadResult = {
    name,
    connections,
    rps: Math.round((ok / r.duration) * 10) / 10,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: ok + r.non2xx,
    non2xx: r.non2xx,
    errors: r.errors,
    statusCodes,
    ...(target.method === 'POST' ? { poolExhausted: exhausted } : {}),
    cpuUsPerRequest: cpu.perRequest(ok),
  };
  log(
    `${name}@${connections}: ${result.rps} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms${result.cpuUsPerRequest ? `, CPU per 2xx: server ${result.cpuUsPerRequest.server} µs, Postgres ${result.cpuUsPerRequest.postgres} µs` : ''}${result.non2xx ? `, ${result.non2xx} non-2xx ${JSON.stringify(statusCodes)}` : ''}`,
  );
  return result;
}

function sendPool(sp: BenchSp, emiratesId: string, count: number, tag: string): Prepared[] {
  const timestamp = String(Date.now());
  const pool: Prepared[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const body = sendBody(sp, emiratesId, `bench-${tag}-${i}`);
    pool[i] = { body, headers: signedHeaders(sp, SEND_PATH, body, timestamp) };
  }
  return pool;
}

/**
 * Status polls spread over the whole bulk-loaded table: index i -> row (i*7919 + offset) mod rows.
 * A pool longer than the table asks for rows again, each round with a timestamp 1 ms older, so
 * no two requests carry one signature (a repeat would be a replay, 401).
 */
function statusPool(sp: BenchSp, rows: number, count: number, offset: number): Prepared[] {
  const now = Date.now();
  const pool: Prepared[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const n = 1 + (((((i + offset) * 7919) % rows) + rows) % rows);
    const body = JSON.stringify({ spTransactionID: `bulk-${n}`, spId: sp.clientId });
    pool[i] = { body, headers: signedHeaders(sp, STATUS_PATH, body, String(now - Math.floor(i / rows))) };
  }
  return pool;
}

/**
 * `rows` transactions of the bench SP, mixed statuses, created one a second before the last 40
 * days, with ids made as the send makes them (UUIDv7 of their time): history, in the DEFAULT
 * partition as months without a partition of their own are, and this month's partition left to
 * the sends, as on a live system. Two INSERT ... SELECT generate_series: the first 10,000 rows,
 * ANALYZE, then the rest. In one statement, the foreign-key check's cached plan, made while the
 * table held a handful of rows, walked a whole index per row: 1M rows took over four minutes.
 */
async function bulkLoad(db: Client, spId: string, userId: string, rows: number): Promise<number> {
  const started = Date.now();
  const first = Math.min(rows, 10_000);
  for (const [from, to] of [
    [1, first],
    [first + 1, rows],
  ]) {
    if (from > to) continue;
    await db.query(
      `INSERT INTO consent_transactions
         (id, sp_id, sp_transaction_id, user_id, id_doc_type, request_type, requested_by_id, purpose, purpose_ar, status, expires_at, created_at, decided_at)
       SELECT consent_uuid_v7(c.at), $1, 'bulk-' || g, $2, 'EMIRATES_ID', 'spToSp', $1, 'Opening a bank account', 'فتح حساب مصرفي',
              s.status, now() + interval '1 day', c.at, CASE WHEN s.status = 'TRIGGERED' THEN NULL ELSE now() END
         FROM generate_series($3::int, $4::int) g
         CROSS JOIN LATERAL (SELECT now() - interval '40 days' - make_interval(secs => g) AS at) c
         CROSS JOIN LATERAL (SELECT (ARRAY['TRIGGERED','ACCEPTED','REJECTED','EXPIRED','CANCELLED'])[1 + g % 5] AS status) s`,
      [spId, userId, from, to],
    );
    await analyzeFilled(db);
  }
  return Date.now() - started;
}

/**
 * VACUUM ANALYZE of the consent partitions that hold rows, and of the idempotency table. Not of
 * the parent: that also marks the empty partitions "analyzed, 0 rows", and the generic plans each
 * session caches (foreign-key checks included) then scan this month's partition sequentially
 * while the sends fill it.
 */
async function analyzeFilled(db: Client): Promise<void> {
  const { rows: partitions } = await db.query(`SELECT inhrelid::regclass::text AS name FROM pg_inherits WHERE inhparent = 'consent_transactions'::regclass`);
  for (const { name } of partitions as { name: string }[]) {
    const [{ filled }] = (await db.query(`SELECT EXISTS (SELECT 1 FROM ${name}) AS filled`)).rows;
    if (filled) await db.query(`VACUUM ANALYZE ${name}`);
  }
  await db.query(`VACUUM ANALYZE consent_idempotency`);
}

async function clearRedis(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    for (const match of [`${prefix}*`, `{${prefix}}*`]) {
      let cursor = '0';
      do {
        const [c, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
        cursor = c;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}

const fmt = (n: number | undefined, digits = 1) => (n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits));
const ratio = (a?: number, b?: number) => (a !== undefined && b ? Math.round((a / b) * 100) / 100 : undefined);

/**
 * Waits (at most 60 s) until the warm-up's sends are relayed and, when a push worker runs, their
 * pushes delivered: otherwise that backlog runs during the next measurements and is counted
 * against them (framework and status, in the first session's figures).
 */
async function settle(db: Client, probe: NotificationProbe, sent: Map<string, number>): Promise<void> {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    const [{ n }] = (await db.query(`SELECT count(*)::int AS n FROM outbox WHERE dispatched_at IS NULL`)).rows;
    if (n === 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  if (process.env.WORKERS_IN_PROCESS !== 'false') await probe.latencies(sent, Math.max(1000, until - Date.now()));
}

/** What bench/baseline-server.ts needs: the SP, the gateway's public token keys, the same database and Redis. */
async function baselineSettings(
  gatewayUrl: string,
  sp: BenchSp,
  ctx: { databaseUrl: string; redisEnv: Record<string, string>; prefix: string; identifierHashKey: string },
): Promise<Record<string, string>> {
  const jwks = await (await fetch(`${gatewayUrl}/.well-known/jwks.json`)).text();
  return {
    PORT: String(await freePort()),
    DATABASE_URL: ctx.databaseUrl,
    REDIS_URL: ctx.redisEnv.REDIS_URL || (process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'),
    REDIS_PREFIX: `${ctx.prefix}:baseline`,
    IDENTIFIER_HASH_KEY: ctx.identifierHashKey,
    BASELINE_SP_ID: sp.clientId,
    BASELINE_SIGNING_SECRET: sp.signingSecret,
    BASELINE_ISSUER: gatewayUrl,
    BASELINE_JWKS: jwks,
  };
}

/** Starts the baseline server, runs `measure` at each concurrency, stops it. */
async function measureBaseline(
  root: string,
  env: Record<string, string>,
  connections: number[],
  duration: number,
  measure: (name: string, c: number, seconds: number, requests: number) => Promise<LoadResult>,
): Promise<LoadResult[]> {
  const child = spawn(process.execPath, [join(root, 'dist/bench/baseline-server.js')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  cpuTarget.pid = child.pid;
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('baseline: listening') && resolve());
      child.once('exit', (code) => reject(new Error(`baseline exited with ${code}`)));
    });
    const out: LoadResult[] = [];
    // Warm its JIT and pool as the gateway's warm-up does; not reported.
    const warm = await measure('warmup-baseline', 16, 3, 3000 * 3);
    for (const c of connections) out.push(await measure('baseline', c, duration, poolSize(warm.rps, duration)));
    return out;
  } finally {
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const root = join(__dirname, '..', '..');
  const adminPg = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  // REDIS_CLUSTER_NODES runs the gateway on a Redis Cluster instead (its keys go with the cluster).
  const clusterNodes = process.env.REDIS_CLUSTER_NODES;
  const redisEnv: Record<string, string> = clusterNodes ? { REDIS_CLUSTER_NODES: clusterNodes, REDIS_URL: '' } : { REDIS_URL: redisUrl };
  const dbName = `mwq_bench_${process.pid}`;
  const prefix = `mwqbench:${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'mwq-bench-'));
  // Known to the baseline too, which hashes identifiers as the gateway does.
  const identifierHashKey = randomBytes(32).toString('base64');
  const startedAt = new Date();

  log(
    `database ${dbName}, ${clusterNodes ? `Redis Cluster ${clusterNodes}` : 'Redis'} prefix ${prefix}, ${opts.duration}s per measurement, connections ${opts.connections.join('/')}, ${opts.instances} API process(es), ${opts.workers ? `${opts.workers} worker process(es)` : 'workers in process'}`,
  );
  const databaseUrl = await recreateDatabase(adminPg, dbName);
  // Everything started is stopped and dropped again, however far the start got.
  let probe: NotificationProbe | undefined;
  let gw: GatewayProcess | undefined;
  let db: Client | undefined;
  const results: { load: LoadResult[]; pgbench: PgbenchResult[]; notification: Record<string, unknown>[]; sustained: SustainedResult[] } = {
    load: [],
    pgbench: [],
    notification: [],
    sustained: [],
  };
  try {
    probe = await startNotificationProbe();
    const port = await freePort();
    gw = await startGatewayProcess(
      {
        NODE_ENV: 'development',
        HOST: '127.0.0.1',
        PORT: String(port),
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        DATABASE_URL: databaseUrl,
        ...redisEnv,
        REDIS_PREFIX: prefix,
        RATE_LIMIT_PER_MINUTE: '1000000',
        LOG_LEVEL: 'warn',
        ADMIN_CLIENT_ID: ADMIN_ID,
        ADMIN_CLIENT_SECRET: ADMIN_SECRET,
        DATA_DIR: dataDir,
        IDENTIFIER_HASH_KEY: identifierHashKey,
        ...probe.gatewayEnv,
      },
      process.env.BENCH_GATEWAY_ROOT ?? root,
      opts.instances > 1 || opts.workers > 0 ? { instances: opts.instances, workers: opts.workers } : undefined,
    );
    cpuTarget.pid = gw.child.pid;
    cpuTarget.database = dbName;
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
    const sp = await onboardSp(gw.url);
    const user = await createUser(gw.url);
    await probe.registerDevice(databaseUrl, user.id);
    const [{ identifier_hash: identifierHash }] = (await db.query(`SELECT identifier_hash FROM user_documents WHERE user_id = $1`, [user.id])).rows;

    const [{ autovacuum }] = (await db.query(`SHOW autovacuum`)).rows;
    if (autovacuum !== 'on') log('autovacuum is off on this server: only the gateway analyzes tables (PlannerStatsGuard), and nothing vacuums dead rows');
    log(`bulk-loading ${opts.rows} transactions ...`);
    const loadMs = await bulkLoad(db, sp.clientId, user.id, opts.rows);
    const [{ count }] = (await db.query(`SELECT count(*)::int AS count FROM consent_transactions`)).rows;
    log(`loaded in ${(loadMs / 1000).toFixed(1)} s; consent_transactions holds ${count} rows`);

    // Warm the JIT, the pools and the caches; not reported. Sends only when sends are measured:
    // their relay and pushes are background work that framework and status must not pay for.
    let warmSendRps = 0;
    if (opts.only.has('send')) {
      const warmSent = new Map<string, number>();
      warmSendRps = (
        await load('warmup-send', gw.url, 16, 3, {
          method: 'POST',
          path: SEND_PATH,
          pool: sendPool(sp, user.emiratesId, 15_000, 'warm'),
          onBody: (status, body) => status === 201 && warmSent.set(JSON.parse(body).uaePassTransactionID, performance.now()),
        })
      ).rps;
      await settle(db, probe, warmSent);
    }
    const warmStatus = await load('warmup-status', gw.url, 16, 2, { method: 'POST', path: STATUS_PATH, pool: statusPool(sp, opts.rows, 15_000, 900_000) });

    const script = sendScript({ spId: sp.clientId, userId: user.id, identifierHash, ttlSeconds: 600 });
    const statusPoolSize = poolSize(warmStatus.rps, opts.duration);
    let statusOffset = 0;
    for (const c of opts.connections) {
      if (opts.only.has('framework')) results.load.push(await load('framework', gw.url, c, opts.duration, { method: 'GET', path: '/health/live' }));
      if (opts.only.has('status'))
        results.load.push(
          await load('status', gw.url, c, opts.duration, { method: 'POST', path: STATUS_PATH, pool: statusPool(sp, opts.rows, statusPoolSize, statusOffset) }),
        );
      statusOffset += statusPoolSize;
      if (opts.only.has('send')) await measureSend(c);
    }
    async function measureSend(c: number): Promise<void> {
      const fcm = probe!;
      fcm.reset();
      const sentAt = new Map<string, number>();
      results.load.push(
        await load('send', gw!.url, c, opts.duration, {
          method: 'POST',
          path: SEND_PATH,
          pool: sendPool(sp, user.emiratesId, poolSize(warmSendRps, opts.duration), `c${c}`),
          // The 201's arrival time, by transaction, for the notification latency.
          onBody: (status, body) => {
            if (status === 201) sentAt.set(JSON.parse(body).uaePassTransactionID, performance.now());
          },
        }),
      );
      const n = await fcm.latencies(sentAt, 20_000);
      if (n.received > 0) results.notification.push({ connections: c, ...n });
      log(
        `notify@${c}: ${n.received}/${n.sent} pushes received${n.received ? `, p50 ${fmt(n.p50)} ms, p99 ${fmt(n.p99)} ms` : ' (no push pipeline in this build?)'}`,
      );
      const ceiling = results.load.at(-1)!.rps;
      if (opts.only.has('sustained') && ceiling > 0) results.sustained.push(await measureSustainedAt(c, ceiling));
    }
    async function measureSustainedAt(c: number, ceilingRps: number): Promise<SustainedResult> {
      const redis = clusterNodes ? undefined : new Redis(redisUrl, { maxRetriesPerRequest: 1 });
      try {
        return await measureSustained({
          url: gw!.url,
          path: SEND_PATH,
          connections: c,
          ceilingRps,
          pool: (count, tag) => sendPool(sp, user.emiratesId, count, tag),
          probe: probe!,
          // Outbox rows not relayed yet, and push jobs waiting for a worker.
          backlog: async () =>
            (await db!.query(`SELECT count(*)::int AS n FROM outbox WHERE dispatched_at IS NULL`)).rows[0].n +
            (redis ? await redis.llen(`{${prefix}}:push-notifications:wait`) : 0),
          log,
        });
      } finally {
        redis?.disconnect();
      }
    }

    // The baseline needs the gateway's token keys, read while it still runs.
    const baselineEnv = await baselineSettings(gw.url, sp, { databaseUrl, redisEnv, prefix, identifierHashKey });

    // The database ceiling, with the gateway stopped: its relay and push worker would otherwise
    // compete with pgbench (and the pushes of pgbench's outbox rows would swamp the fake FCM).
    await gw.stop();
    if (opts.only.has('baseline')) {
      results.load.push(
        ...(await measureBaseline(root, baselineEnv, opts.connections, opts.duration, (name, c, seconds, requests) =>
          load(name, `http://127.0.0.1:${baselineEnv.PORT}`, c, seconds, {
            method: 'POST',
            path: SEND_PATH,
            pool: sendPool(sp, user.emiratesId, requests, `${name}-c${c}`),
          }),
        )),
      );
    }
    if (opts.only.has('pgbench')) {
      for (const c of opts.connections) {
        try {
          // Other clients of a shared server can briefly hold every connection slot: retry once.
          const pg = await runPgbench(databaseUrl, script, c, opts.duration).catch(async (err: Error) => {
            if (!/too many clients/.test(err.message)) throw err;
            log(`pgbench@${c}: the server is out of connection slots; retrying in 5 s`);
            await new Promise((r) => setTimeout(r, 5000));
            return runPgbench(databaseUrl, script, c, opts.duration);
          });
          results.pgbench.push(pg);
          log(`pgbench@${c}: ${pg.tps.toFixed(1)} tps, p50 ${fmt(pg.p50, 2)} ms, p99 ${fmt(pg.p99, 2)} ms (${pg.command})`);
        } catch (err) {
          log(`pgbench@${c} failed: ${(err as Error).message.split('\n')[0]}`);
        }
      }
    }
  } finally {
    await db?.end();
    await gw?.stop();
    await probe?.close();
    if (!clusterNodes) await clearRedis(redisUrl, prefix);
    if (!opts.keepDb) await dropDatabase(adminPg, dbName);
    rmSync(dataDir, { recursive: true, force: true });
  }

  // The table: one row per concurrency, ratios against the ceilings.
  const find = (name: string, c: number) => results.load.find((r) => r.name === name && r.connections === c);
  const rows = opts.connections.map((c) => {
    const send = find('send', c);
    const status = find('status', c);
    const fw = find('framework', c);
    const pg = results.pgbench.find((p) => p.clients === c);
    const notify = results.notification.find((n) => n.connections === c) as { p50?: number; p99?: number } | undefined;
    const baseline = find('baseline', c);
    return {
      c,
      send,
      status,
      fw,
      pg,
      notify,
      baseline,
      sendVsBaseline: ratio(send?.rps, baseline?.rps),
      sendVsPgbench: ratio(send?.rps, pg?.tps),
      statusVsFramework: ratio(status?.rps, fw?.rps),
    };
  });
  const lines = ['', `| conns | measurement             |   req/s |  p50 ms |  p99 ms |`, `|------:|-------------------------|--------:|--------:|--------:|`];
  for (const r of rows) {
    const line = (label: string, rps?: number, p50?: number, p99?: number) =>
      `| ${String(r.c).padStart(5)} | ${label.padEnd(23)} | ${fmt(rps).padStart(7)} | ${fmt(p50, 2).padStart(7)} | ${fmt(p99, 2).padStart(7)} |`;
    lines.push(line('send (201-only)', r.send?.rps, r.send?.p50, r.send?.p99));
    const held = results.sustained.find((x) => x.connections === r.c);
    if (held) lines.push(line('sustained (p99 <= 1 s)', held.sustainedRps));
    lines.push(line('baseline send (by hand)', r.baseline?.rps, r.baseline?.p50, r.baseline?.p99));
    lines.push(line('pgbench (send SQL)', r.pg?.tps, r.pg?.p50, r.pg?.p99));
    lines.push(line(`status (${opts.rows.toLocaleString('en')} rows)`, r.status?.rps, r.status?.p50, r.status?.p99));
    lines.push(line('framework /health/live', r.fw?.rps, r.fw?.p50, r.fw?.p99));
    if (r.notify) lines.push(line('notify 201 -> provider', undefined, r.notify.p50, r.notify.p99));
  }
  lines.push('');
  for (const r of rows) {
    lines.push(
      `@${r.c}: send/baseline = ${fmt(r.sendVsBaseline, 2)} (target >= 0.8), send/pgbench = ${fmt(r.sendVsPgbench, 2)} (target >= 0.5), status/framework = ${fmt(r.statusVsFramework, 2)} (target >= 0.6), send p99 = ${fmt(r.send?.p99, 1)} ms (target <= 50)` +
        (r.notify ? `, notify p99 = ${fmt(r.notify.p99, 1)} ms (target <= 250)` : ''),
    );
  }
  for (const s of results.sustained) lines.push(describeSustained(s));
  for (const dry of results.load.filter((l) => l.poolExhausted && !l.name.startsWith('warmup'))) {
    lines.push(`warning: ${dry.name}@${dry.connections} ran out of prepared requests: its repeats were answered as replays (401), its req/s is a floor`);
  }
  if (!results.notification.length) lines.push('notification latency: not measured (the fake FCM received no pushes: no push worker in this build)');
  process.stdout.write(`${lines.join('\n')}\n`);

  const outDir = join(root, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        startedAt: startedAt.toISOString(),
        command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
        machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version },
        options: opts,
        ratios: rows.map((r) => ({
          connections: r.c,
          sendVsBaseline: r.sendVsBaseline,
          sendVsPgbench: r.sendVsPgbench,
          statusVsFramework: r.statusVsFramework,
        })),
        ...results,
      },
      null,
      2,
    ),
  );
  log(`results written to ${file}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench: failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
