import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/database.options';
import { MIGRATIONS } from '../../migrations';
import { createTestDatabase, dropTestDatabase } from '../support/gateway';

describe('migrations', () => {
  let url: string;
  let ds: DataSource;

  beforeAll(async () => {
    url = await createTestDatabase();
    ds = new DataSource(dataSourceOptions({ databaseUrl: url, databaseSchema: undefined, databasePoolSize: 2 }));
    await ds.initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    await dropTestDatabase(url);
  });

  const tables = async () =>
    ((await ds.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`)) as { table_name: string }[]).map(
      (r) => r.table_name,
    );

  it('runs from empty to current, reverts to empty, and runs again', async () => {
    expect(await tables()).toEqual([]);
    const applied = await ds.runMigrations();
    expect(applied).toHaveLength(MIGRATIONS.length);
    expect(await tables()).toEqual(
      expect.arrayContaining([
        'consent_transactions',
        'consent_events',
        'consent_documents',
        'outbox',
        'service_providers',
        'user_profiles',
        'user_documents',
        'devices',
      ]),
    );
    expect(await ds.showMigrations()).toBe(false);

    for (let i = 0; i < MIGRATIONS.length; i++) await ds.undoLastMigration();
    expect(await tables()).toEqual(['migrations']);

    await ds.runMigrations();
    expect(await ds.showMigrations()).toBe(false);
  });

  it('keeps the consent event log append-only', async () => {
    await ds.query(`INSERT INTO service_providers (client_id, name, name_ar, client_secret_hash) VALUES ('sp', 'SP', 'مقدم', 'x')`);
    await ds.query(`INSERT INTO user_profiles (id, name, name_ar, verified) VALUES ('00000000-0000-4000-8000-000000000001', 'U', 'م', true)`);
    await ds.query(
      `INSERT INTO consent_transactions (id, sp_id, sp_transaction_id, user_id, id_doc_type, request_type, status, expires_at)
       VALUES ('00000000-0000-4000-8000-000000000002', 'sp', 't1', '00000000-0000-4000-8000-000000000001', 'EMIRATES_ID', 'spToSp', 'TRIGGERED', now())`,
    );
    await ds.query(`INSERT INTO consent_events (transaction_id, to_status, actor) VALUES ('00000000-0000-4000-8000-000000000002', 'TRIGGERED', 'test')`);
    await expect(ds.query(`UPDATE consent_events SET actor = 'someone else'`)).rejects.toThrow(/append-only/);
    await expect(ds.query(`DELETE FROM consent_events`)).rejects.toThrow(/append-only/);
  });
});
