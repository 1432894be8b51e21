import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import type { AppConfig } from '../config/config';

/** Connection options shared by the server, the worker, the migration CLI and the tests. */
export function dataSourceOptions(
  config: Pick<AppConfig, 'databaseUrl' | 'databaseSchema' | 'databasePoolSize'> & Partial<Pick<AppConfig, 'databasePlanCacheMode'>>,
  embedded = false,
): DataSourceOptions {
  // Set per session at connect (no extra round trip); PGlite's socket takes no startup options.
  const planCacheMode = !embedded && config.databasePlanCacheMode ? { options: `-c plan_cache_mode=${config.databasePlanCacheMode}` } : {};
  return {
    type: 'postgres',
    url: config.databaseUrl,
    schema: config.databaseSchema,
    // No entities: the code speaks SQL, and the schema's one truth is migrations/ (schema.sql is its checked snapshot).
    entities: [],
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    // PGlite serves one connection at a time: one pooled connection keeps transactions whole.
    extra: { max: embedded ? 1 : config.databasePoolSize, connectionTimeoutMillis: 5000, application_name: 'muwafaqa', ...planCacheMode },
  };
}
