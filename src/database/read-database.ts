import { Inject } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/config';
import { guardPoolClients } from './pool-errors';

/** The DataSource for reads that may lag the primary a little: status polling and ops search. */
export const READ_DB = Symbol('READ_DB');

/** Injects the read DataSource (the replica from DATABASE_READ_URL, else the primary). */
export const InjectReadDataSource = (): ParameterDecorator => Inject(READ_DB);

/**
 * Connects to DATABASE_READ_URL, or answers the primary when it is unset. Every session on the
 * replica connection is read-only, so a read routed there by mistake that writes fails loudly
 * instead of succeeding against a primary given as "replica".
 */
export async function openReadDataSource(
  config: Pick<AppConfig, 'databaseReadUrl' | 'databaseSchema' | 'databasePoolSize'> & Partial<Pick<AppConfig, 'databasePlanCacheMode'>>,
  primary: DataSource,
): Promise<DataSource> {
  if (!config.databaseReadUrl) return primary;
  return new DataSource({
    type: 'postgres',
    url: config.databaseReadUrl,
    schema: config.databaseSchema,
    synchronize: false,
    extra: {
      max: config.databasePoolSize,
      connectionTimeoutMillis: 5000,
      application_name: 'muwafaqa-read',
      options: `-c default_transaction_read_only=on${config.databasePlanCacheMode ? ` -c plan_cache_mode=${config.databasePlanCacheMode}` : ''}`,
    },
  })
    .initialize()
    .then((ds) => {
      guardPoolClients(ds);
      return ds;
    });
}
