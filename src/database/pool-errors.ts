import { Logger } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';

const logger = new Logger('Database');

/**
 * A pg client that loses its connection while checked out but between queries (a transaction
 * waiting on Redis, a Postgres restart, a database dropped under it) emits 'error' with no
 * listener, and an unhandled 'error' ends the process. Every client gets a listener: the failed
 * query rejects as usual, the pool discards the broken client, and the process lives on.
 */
export function guardPoolClients(ds: DataSource): void {
  const pool = (ds.driver as unknown as { master?: Pool & { _clients?: PoolClient[] } }).master;
  if (!pool) return;
  const guard = (client: PoolClient) => {
    client.on('error', (err: Error) => logger.warn(`database connection lost: ${err.message}`));
  };
  pool.on('connect', guard);
  for (const client of pool._clients ?? []) guard(client);
}
