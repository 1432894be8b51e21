/**
 * `npm run start:cluster -- --instances N --workers M`: N API processes sharing one PORT
 * (node:cluster; the primary hands connections out round-robin) and M queue-worker processes
 * (`dist/src/main-worker.js`), all against the same Postgres (DATABASE_URL) and Redis
 * (REDIS_URL, REDIS_PREFIX). Nothing in the gateway relies on being the only instance: replay
 * records and rate limits live in Redis, outbox rows are claimed with SKIP LOCKED, queue jobs
 * are keyed by outbox id, SP cache invalidations are published on Redis.
 *
 * The first API instance boots alone (it runs the migrations, creates the first token signing
 * key and, outside production, the dev keys under DATA_DIR); the others follow with
 * RUN_MIGRATIONS=false. A process that dies is restarted. SIGTERM/SIGINT stop everything.
 * See docs/benchmark.md.
 */
import cluster, { Worker } from 'node:cluster';
import { ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

interface Options {
  instances: number;
  workers: number;
}

const say = (msg: string) => process.stdout.write(`muwafaqa-cluster: ${msg}\n`);
function fail(msg: string): never {
  process.stderr.write(`muwafaqa-cluster: ${msg}\n`);
  process.exit(1);
}

export function parseClusterArgs(argv: string[], workerEntryExists: boolean): Options {
  const opts: Options = { instances: Math.max(1, cpus().length), workers: workerEntryExists ? 1 : 0 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = Number(argv[i + 1]);
    if ((flag !== '--instances' && flag !== '--workers') || !Number.isInteger(value) || value < (flag === '--instances' ? 1 : 0) || value > 64) {
      fail(`usage: npm run start:cluster -- [--instances N (1-64)] [--workers M (0-64)]; got "${argv.slice(i).join(' ')}"`);
    }
    opts[flag === '--instances' ? 'instances' : 'workers'] = value;
    i++;
  }
  return opts;
}

async function main(): Promise<void> {
  const root = join(__dirname, '..', '..');
  const apiEntry = join(root, 'dist/src/main.js');
  const workerEntry = join(root, 'dist/src/main-worker.js');
  const opts = parseClusterArgs(process.argv.slice(2), existsSync(workerEntry));
  // Embedded PGlite and a private redis-server belong to one process; a cluster needs shared ones.
  const redisNamed = process.env.REDIS_URL || process.env.REDIS_SENTINELS || process.env.REDIS_CLUSTER_NODES;
  if (!process.env.DATABASE_URL || !redisNamed)
    fail('DATABASE_URL and one of REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES must name the Postgres and Redis every instance shares');
  if (opts.workers > 0 && !existsSync(workerEntry)) {
    say(`no ${workerEntry}: queue workers run inside the API processes instead`);
    opts.workers = 0;
  }
  // With dedicated worker processes the API processes only serve HTTP and relay the outbox.
  const apiEnv = { WORKERS_IN_PROCESS: opts.workers > 0 ? 'false' : (process.env.WORKERS_IN_PROCESS ?? 'true') };
  let stopping = false;

  cluster.setupPrimary({ exec: apiEntry, silent: false });
  const startApi = (index: number, first: boolean): Promise<Worker> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork({ ...apiEnv, ...(first ? {} : { RUN_MIGRATIONS: 'false' }), MUWAFAQA_INSTANCE: String(index) });
      worker.once('listening', () => resolve(worker));
      worker.once('exit', (code) => {
        if (stopping) return;
        reject(new Error(`API instance ${index} exited with ${code}`));
        say(`API instance ${index} (pid ${worker.process.pid}) exited with ${code}; restarting in 1 s`);
        setTimeout(() => !stopping && void startApi(index, false).catch(() => undefined), 1000);
      });
    });

  const workerProcs: ChildProcess[] = [];
  const startWorker = (index: number): void => {
    const child = fork(workerEntry, [], { env: { ...process.env, RUN_MIGRATIONS: 'false', MUWAFAQA_WORKER: String(index) } });
    workerProcs[index] = child;
    child.once('exit', (code) => {
      if (stopping) return;
      say(`worker ${index} (pid ${child.pid}) exited with ${code}; restarting in 1 s`);
      setTimeout(() => !stopping && startWorker(index), 1000);
    });
  };

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping ${Object.keys(cluster.workers ?? {}).length} API instances and ${workerProcs.length} workers`);
    const all = [...Object.values(cluster.workers ?? {}).map((w) => w!.process), ...workerProcs].filter((p) => p.exitCode === null);
    let left = all.length;
    if (left === 0) process.exit(0);
    for (const p of all) {
      p.once('exit', () => --left === 0 && process.exit(0));
      p.kill('SIGTERM');
    }
    setTimeout(() => process.exit(1), 20_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  try {
    await startApi(0, true);
    await Promise.all(Array.from({ length: opts.instances - 1 }, (_, i) => startApi(i + 1, false)));
  } catch (err) {
    stop('SIGTERM');
    fail(`could not start: ${(err as Error).message}`);
  }
  for (let i = 0; i < opts.workers; i++) startWorker(i);
  say(`${opts.instances} API instance(s) on port ${process.env.PORT ?? 3000}, ${opts.workers} worker process(es), pid ${process.pid}`);
}

if (require.main === module && cluster.isPrimary) {
  main().catch((err: unknown) => fail(`failed: ${err instanceof Error ? err.message : String(err)}`));
}
