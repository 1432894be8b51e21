import 'reflect-metadata';
import { loadConfig, ConfigError, AppConfig } from './config/config';
import { createApp } from './app.factory';
import { hasRedisConfigured } from './common/redis';
import { EmbeddedService, startEmbeddedPostgres } from './runtime/embedded-postgres';
import { RedisUnavailableError, startEmbeddedRedis } from './runtime/embedded-redis';

function fail(message: string): never {
  process.stderr.write(`muwafaqa: ${message}\n`);
  process.exit(1);
}

/** Reads the configuration, or stops with one line naming the variable at fault. */
export function configOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(`configuration error: ${err.message}`);
    throw err;
  }
}

/** Starts what DATABASE_URL and REDIS_URL do not name: embedded PGlite, a local redis-server. */
export async function startEmbeddedServices(config: AppConfig): Promise<{ services: EmbeddedService[]; embeddedDatabase: boolean }> {
  const services: EmbeddedService[] = [];
  const embeddedDatabase = !config.databaseUrl;
  if (!config.databaseUrl) {
    const pg = await startEmbeddedPostgres(config.dataDir);
    config.databaseUrl = pg.url;
    services.push(pg);
  }
  if (!hasRedisConfigured(config)) {
    try {
      const redis = await startEmbeddedRedis(config.dataDir);
      config.redisUrl = redis.url;
      services.push(redis);
    } catch (err) {
      if (err instanceof RedisUnavailableError) fail(err.message);
      throw err;
    }
  }
  return { services, embeddedDatabase };
}

async function main(): Promise<void> {
  const config = configOrExit();
  const { services, embeddedDatabase } = await startEmbeddedServices(config);
  const app = await createApp(config, { embeddedDatabase });
  await app.listen(config.port, config.host);
  const where = `${embeddedDatabase ? 'embedded Postgres (PGlite) under ' + config.dataDir : 'Postgres from DATABASE_URL'}, ${services.length > (embeddedDatabase ? 1 : 0) ? 'a local redis-server' : 'Redis from REDIS_URL'}`;
  process.stdout.write(`muwafaqa: listening on ${config.publicUrl} (${where}); docs at ${config.publicUrl}/docs\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`muwafaqa: ${signal} received, shutting down\n`);
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await app.close();
    for (const service of services.reverse()) await service.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

if (require.main === module) {
  main().catch((err: unknown) => fail(`failed to start: ${err instanceof Error ? err.message : String(err)}`));
}
