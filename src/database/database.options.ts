import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import type { AppConfig } from '../config/config';
import { ConsentDocument, ConsentEvent, ConsentTransaction } from '../consent/consent-transaction.entity';
import { Device } from '../notifications/device.entity';
import { CallbackAttempt, NotificationAttempt, OutboxMessage } from '../notifications/outbox.entity';
import { AdminClient, TokenSigningKey } from '../security/security.entities';
import { ServiceProvider, SpSigningSecret } from '../service-providers/service-provider.entity';
import { UserDocument, UserProfile } from '../users/user-profile.entity';

export const ENTITIES = [
  ServiceProvider,
  SpSigningSecret,
  AdminClient,
  TokenSigningKey,
  UserProfile,
  UserDocument,
  Device,
  ConsentTransaction,
  ConsentDocument,
  ConsentEvent,
  OutboxMessage,
  NotificationAttempt,
  CallbackAttempt,
];

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
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    // PGlite serves one connection at a time: one pooled connection keeps transactions whole.
    extra: { max: embedded ? 1 : config.databasePoolSize, connectionTimeoutMillis: 5000, application_name: 'muwafaqa', ...planCacheMode },
  };
}
