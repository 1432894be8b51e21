import 'reflect-metadata';
import { Pool } from 'pg';
import { ConfigError, loadConfig } from '../src/config/config';
import { createRedisClient, hasRedisConfigured } from '../src/common/redis';
import { checkConsistency, describeReport } from '../src/consent/consistency-checker';
import { queuePrefix } from '../src/notifications/queues';

/**
 * `npm run check:consistency [-- --pending-seconds 60] [--since 2025-01-01T00:00:00Z] [--json]`
 *
 * Reads DATABASE_URL (and REDIS_URL / REDIS_SENTINELS / REDIS_CLUSTER_NODES, REDIS_PREFIX) like
 * the gateway and checks the invariants in src/consent/consistency-checker.ts. Exit code 0 when
 * consistent, 1 when a problem is found (each printed), 2 when it cannot run.
 */
function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`check-consistency: configuration error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (!config.databaseUrl) {
    process.stderr.write('check-consistency: DATABASE_URL is required\n');
    return 2;
  }
  const pendingOlderThanSeconds = arg('pending-seconds') !== undefined ? Number(arg('pending-seconds')) : 60;
  const since = arg('since') !== undefined ? new Date(arg('since')!) : undefined;
  if (!Number.isFinite(pendingOlderThanSeconds) || (since && Number.isNaN(since.getTime()))) {
    process.stderr.write('check-consistency: --pending-seconds takes a number, --since an ISO date\n');
    return 2;
  }
  const db = new Pool({
    connectionString: config.databaseUrl,
    max: 1,
    ...(config.databaseSchema ? { options: `-c search_path=${config.databaseSchema}` } : {}),
  });
  const redis = hasRedisConfigured(config) ? createRedisClient(config, 'queue', 'muwafaqa-consistency') : undefined;
  redis?.on('error', () => undefined);
  try {
    const report = await checkConsistency(db, { jobs: redis, queuePrefix: queuePrefix(config), pendingOlderThanSeconds, since });
    if (!redis) process.stdout.write('check-consistency: no Redis configured, dispatched outbox rows not looked up\n');
    process.stdout.write(process.argv.includes('--json') ? `${JSON.stringify(report, null, 2)}\n` : `${describeReport(report)}\n`);
    return report.ok ? 0 : 1;
  } finally {
    await db.end();
    redis?.disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`check-consistency: failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
