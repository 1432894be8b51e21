import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { hasRedisConfigured } from './common/redis';
import { configOrExit } from './main';

function fail(message: string): never {
  process.stderr.write(`muwafaqa-worker: ${message}\n`);
  process.exit(1);
}

/**
 * `npm run worker`: the queue consumers (pushes, SP callbacks) and the outbox relay in a Nest
 * application context with no HTTP server. Run any number beside the API instances.
 */
async function main(): Promise<void> {
  const config = configOrExit();
  // The embedded PGlite and redis-server belong to one server process; a separate worker needs shared ones.
  if (!config.databaseUrl || !hasRedisConfigured(config)) {
    fail(
      "DATABASE_URL and one of REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES are required (a separate worker shares the API instances' Postgres and Redis)",
    );
  }
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config, { workers: true }), { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  app.flushLogs();
  process.stdout.write(`muwafaqa-worker: consuming queues (pid ${process.pid})\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`muwafaqa-worker: ${signal} received, finishing the jobs in hand\n`);
    // worker.close() (run by app.close) waits for active jobs; a job still running at the
    // deadline keeps its lock until WORKER_LOCK_MS passes, then another worker takes it.
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    await app.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => fail(`failed to start: ${err instanceof Error ? err.message : String(err)}`));
