import { DataSource } from 'typeorm';

/** Any constant shared by every instance; names the advisory lock that serialises migrations. */
const MIGRATION_LOCK = 7_242_024;

/**
 * Applies pending migrations. Many instances may boot at once: a session-level advisory lock lets
 * one migrate while the others wait, then find nothing left to do. (Not with the embedded
 * PGlite, which serves one connection and one instance.)
 */
export async function runMigrations(ds: DataSource, opts: { lock: boolean }): Promise<void> {
  if (!opts.lock) {
    await ds.runMigrations({ transaction: 'each' });
    return;
  }
  const holder = ds.createQueryRunner();
  await holder.connect();
  try {
    await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await holder.release();
  }
}
