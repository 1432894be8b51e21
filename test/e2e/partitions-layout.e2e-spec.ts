import { getDataSourceToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/database.options';
import { PartitionMaintenance } from '../../src/database/partition-maintenance.service';
import { READ_DB } from '../../src/database/read-database';
import { adminCall, createUser, eventually, expectCatalogError, onboardSp, sendBody, SpClient, SpCredentials, TestUser, uniqueId } from '../support/clients';
import { createTestDatabase, dropTestDatabase, Gateway, startGateway } from '../support/gateway';

/** The partition suffix of the UTC month `monthsAgo` months before this one, e.g. `y2026m03`. */
async function suffix(gw: Gateway, monthsAgo: number): Promise<string> {
  const r = await gw.db.query(`SELECT to_char(date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => $1), '"y"YYYY"m"MM') AS s`, [monthsAgo]);
  return r.rows[0].s;
}

/** Where each row of a transaction lives (tableoid), by table. */
async function homes(gw: Gateway, id: string) {
  const q = async (table: string) =>
    (
      await gw.db.query(
        `SELECT DISTINCT tableoid::regclass::text AS t FROM ${table} WHERE ${table === 'consent_transactions' ? 'id' : 'transaction_id'} = $1`,
        [id],
      )
    ).rows.map((r) => r.t);
  return { transaction: await q('consent_transactions'), documents: await q('consent_documents'), events: await q('consent_events') };
}

/**
 * A transaction written straight into the database as if sent `monthsAgo` months ago (day 3 of
 * that UTC month): its id is a UUIDv7 of that time, as the send route would have made it then.
 */
async function insertInMonth(gw: Gateway, sp: SpCredentials, user: TestUser, monthsAgo: number, spTransactionId: string): Promise<string> {
  const r = await gw.db.query(
    `WITH at AS (SELECT (date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => $4) + interval '2 days 10 hours') AT TIME ZONE 'UTC' AS t),
     tx AS (
       INSERT INTO consent_transactions (id, sp_id, sp_transaction_id, user_id, id_doc_type, request_type, requested_by_id, status, expires_at, created_at, updated_at)
       SELECT consent_uuid_v7(at.t), $1, $2, $3, 'EMIRATES_ID', 'spToSp', $1, 'TRIGGERED', now() + interval '1 hour', at.t, at.t FROM at
       RETURNING id
     ), docs AS (
       INSERT INTO consent_documents (transaction_id, position, name, name_ar, type, type_ar, metadata) SELECT id, 0, 'Emirates ID', 'الهوية', 'EMIRATES_ID', 'الهوية', '[]' FROM tx
     ), ev AS (
       INSERT INTO consent_events (transaction_id, from_status, to_status, actor) SELECT id, NULL, 'TRIGGERED', 'sp:' || $1 FROM tx
     )
     SELECT id FROM tx`,
    [sp.clientId, spTransactionId, user.id, monthsAgo],
  );
  return r.rows[0].id;
}

describe('partitioned consent tables (monthly, by UUIDv7 id)', () => {
  let gw: Gateway;
  let sp: SpCredentials;
  let user: TestUser;
  let client: SpClient;
  const months: { ago: number; spTransactionId: string; id: string }[] = [];

  beforeAll(async () => {
    gw = await startGateway();
    sp = await onboardSp(gw);
    user = await createUser(gw);
    client = new SpClient(gw, sp);
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('has this month and PARTITION_MONTHS_AHEAD (2) months ahead, plus a DEFAULT partition, for all three tables', async () => {
    const children = async () =>
      (
        await gw.db.query(
          `SELECT c.relname AS child FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent IN ('consent_transactions'::regclass, 'consent_documents'::regclass, 'consent_events'::regclass)`,
        )
      ).rows.map((x) => x.child as string);
    // The migration creates this month and the next; the job, run at boot, the one after.
    const last = `consent_events_${await suffix(gw, -2)}`;
    await eventually(async () => (await children()).includes(last), 5000, `${last} created by the maintenance job`);
    const all = await children();
    for (const table of ['consent_transactions', 'consent_documents', 'consent_events']) {
      expect(all).toEqual(
        expect.arrayContaining([`${table}_default`, `${table}_${await suffix(gw, 0)}`, `${table}_${await suffix(gw, -1)}`, `${table}_${await suffix(gw, -2)}`]),
      );
    }
  });

  it('makes RFC 9562 UUIDv7 ids in the database (version 7, RFC variant, the given millisecond first)', async () => {
    const { rows } = await gw.db.query(
      `SELECT consent_uuid_v7()::text AS now_id, consent_uuid_v7('2027-03-04T05:06:07.089Z')::text AS at_id, consent_uuid_v7() = consent_uuid_v7() AS same`,
    );
    const [{ now_id: nowId, at_id: atId, same }] = rows;
    for (const id of [nowId, atId]) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const millis = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(millis(atId)).toBe(Date.parse('2027-03-04T05:06:07.089Z'));
    expect(Math.abs(millis(nowId) - Date.now())).toBeLessThan(5000);
    expect(same).toBe(false);
  });

  it('puts a sent transaction, its documents and its events in the current month', async () => {
    const body = sendBody(sp, user);
    const sent = await client.send(body);
    expect(sent.status).toBe(201);
    const id: string = sent.body.uaePassTransactionID;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const month = await suffix(gw, 0);
    expect(await homes(gw, id)).toEqual({
      transaction: [`consent_transactions_${month}`],
      documents: [`consent_documents_${month}`],
      events: [`consent_events_${month}`],
    });
    const claim = await gw.db.query(`SELECT transaction_id FROM consent_idempotency WHERE sp_id = $1 AND sp_transaction_id = $2`, [
      sp.clientId,
      body.spTransactionID,
    ]);
    expect(claim.rows).toEqual([{ transaction_id: id }]);
  });

  it("stores transactions of three months in their months' partitions, and status and ops search find each", async () => {
    // A backfill of the two previous months (the migration and the job only create this month onwards).
    expect(await gw.app.get(PartitionMaintenance).ensure(0, 2)).toHaveLength(6);
    for (const ago of [2, 1, 0]) {
      const spTransactionId = uniqueId(`m${ago}`);
      months.push({ ago, spTransactionId, id: await insertInMonth(gw, sp, user, ago, spTransactionId) });
    }
    for (const m of months) {
      const s = await suffix(gw, m.ago);
      expect(await homes(gw, m.id)).toEqual({
        transaction: [`consent_transactions_${s}`],
        documents: [`consent_documents_${s}`],
        events: [`consent_events_${s}`],
      });

      const status = await client.status(m.spTransactionId);
      expect({ status: status.status, body: status.body }).toEqual({
        status: 200,
        body: { uaePassTransactionID: m.id, spTransactionID: m.spTransactionId, status: 'TRIGGERED' },
      });
      const search = await adminCall(gw, 'GET', `/admin/v1/transactions?spId=${sp.clientId}&spTransactionID=${m.spTransactionId}`);
      expect(search.status).toBe(200);
      expect(search.body.items.map((t: { uaePassTransactionID: string }) => t.uaePassTransactionID)).toEqual([m.id]);
      const one = await adminCall(gw, 'GET', `/admin/v1/transactions/${m.id}`);
      expect(one.status).toBe(200);
      expect(one.body.events.map((e: { to: string }) => e.to)).toEqual(['TRIGGERED']);
    }
    // Newest first across partitions.
    const page = await adminCall(gw, 'GET', `/admin/v1/transactions?spId=${sp.clientId}&limit=100`);
    const order = page.body.items.map((t: { uaePassTransactionID: string }) => t.uaePassTransactionID);
    expect(order.indexOf(months[2].id)).toBeLessThan(order.indexOf(months[1].id));
    expect(order.indexOf(months[1].id)).toBeLessThan(order.indexOf(months[0].id));
  });

  it('refuses a spTransactionID already used two months ago, through the API and in the database', async () => {
    const old = months[0];
    const before = (await gw.db.query(`SELECT count(*)::int AS n FROM consent_transactions`)).rows[0].n;
    expectCatalogError(await client.send(sendBody(sp, user, { spTransactionID: old.spTransactionId })), 409, 'CONS_1000001');
    // Another writer inserting the same pair into this month's partition is refused by the database.
    await expect(insertInMonth(gw, sp, user, 0, old.spTransactionId)).rejects.toMatchObject({ code: '23505', constraint: 'consent_idempotency_pkey' });
    // ... and so is changing a transaction's pair to one in use.
    await expect(gw.db.query(`UPDATE consent_transactions SET sp_transaction_id = $2 WHERE id = $1`, [months[1].id, old.spTransactionId])).rejects.toThrow(
      /never changes/,
    );
    expect((await gw.db.query(`SELECT count(*)::int AS n FROM consent_transactions`)).rows[0].n).toBe(before);
    // Once decided, the repeat names the decision, wherever the first one lives.
    await gw.db.query(`UPDATE consent_transactions SET status = 'REJECTED' WHERE id = $1`, [old.id]);
    expectCatalogError(await client.send(sendBody(sp, user, { spTransactionID: old.spTransactionId })), 409, 'CONS_1000011');
  });

  it('keeps every events partition append-only, DEFAULT included', async () => {
    // An id that is not time-ordered (as before the migration) goes to DEFAULT: an insert never fails.
    const legacy = randomUUID();
    await gw.db.query(
      `INSERT INTO consent_transactions (id, sp_id, sp_transaction_id, user_id, id_doc_type, request_type, status, expires_at)
       VALUES ($1, $2, $3, $4, 'EMIRATES_ID', 'spToSp', 'TRIGGERED', now() + interval '1 hour')`,
      [legacy, sp.clientId, uniqueId('legacy'), user.id],
    );
    await gw.db.query(`INSERT INTO consent_events (transaction_id, to_status, actor) VALUES ($1, 'TRIGGERED', 'test')`, [legacy]);
    expect((await homes(gw, legacy)).transaction).toEqual(['consent_transactions_default']);

    const parts = await gw.db.query(`SELECT DISTINCT tableoid::regclass::text AS t FROM consent_events`);
    expect(parts.rows.length).toBeGreaterThanOrEqual(4);
    for (const { t } of parts.rows) {
      await expect(gw.db.query(`UPDATE ${t} SET actor = 'someone else'`)).rejects.toThrow(/append-only/);
      await expect(gw.db.query(`DELETE FROM ${t}`)).rejects.toThrow(/append-only/);
    }
    await expect(gw.db.query(`DELETE FROM consent_events`)).rejects.toThrow(/append-only/);
  });

  it('detaches whole months older than the retention, releasing their spTransactionIDs', async () => {
    const old = months[0];
    const s = await suffix(gw, 2);
    const detached = await gw.app.get(PartitionMaintenance).detachOlderThan(1);
    expect(detached).toEqual([`consent_events_${s}`, `consent_documents_${s}`, `consent_transactions_${s}`]);
    // The archive keeps the rows, out of the live tables.
    expect((await gw.db.query(`SELECT id FROM consent_transactions_${s}`)).rows).toEqual([{ id: old.id }]);
    expect((await gw.db.query(`SELECT count(*)::int AS n FROM consent_transactions WHERE id = $1`, [old.id])).rows[0].n).toBe(0);
    expectCatalogError(await client.status(old.spTransactionId), 404, 'CONS_1000010');
    // Last month and this month stay.
    for (const m of months.slice(1)) expect((await client.status(m.spTransactionId)).status).toBe(200);
    // A second run finds nothing more to detach.
    expect(await gw.app.get(PartitionMaintenance).detachOlderThan(1)).toEqual([]);
    await gw.db.query(`DROP TABLE consent_events_${s}, consent_documents_${s}, consent_transactions_${s}`);
  });

  it('reads from the primary when DATABASE_READ_URL is unset', () => {
    expect(gw.app.get(READ_DB)).toBe(gw.app.get(getDataSourceToken()));
  });
});

describe('DATABASE_READ_URL', () => {
  let url: string;
  let gw: Gateway;

  beforeAll(async () => {
    url = await createTestDatabase();
    // The "replica" is the same database reached through another URL form.
    const replica = new URL(url);
    replica.protocol = 'postgresql:';
    replica.searchParams.set('sslmode', 'disable');
    // No workers: no push may move the transaction while the test cancels it.
    gw = await startGateway({ DATABASE_READ_URL: replica.toString(), WORKERS_IN_PROCESS: 'false' }, url);
  });
  afterAll(async () => {
    await gw?.close();
    await dropTestDatabase(url);
  });

  it('answers status polls and ops search through a separate, read-only connection', async () => {
    const read = gw.app.get<DataSource>(READ_DB);
    expect(read).not.toBe(gw.app.get(getDataSourceToken()));
    await expect(read.query(`INSERT INTO admin_clients (client_id, client_secret_hash) VALUES ('x', 'y')`)).rejects.toThrow(/read-only transaction/);

    const sp = await onboardSp(gw);
    const user = await createUser(gw);
    const client = new SpClient(gw, sp);
    const body = sendBody(sp, user);
    const sent = await client.send(body);
    expect(sent.status).toBe(201);
    const status = await client.status(body.spTransactionID);
    expect(status.body).toEqual({ uaePassTransactionID: sent.body.uaePassTransactionID, spTransactionID: body.spTransactionID, status: 'TRIGGERED' });
    const search = await adminCall(gw, 'GET', `/admin/v1/transactions?spTransactionID=${body.spTransactionID}`);
    expect(search.body.items.map((t: { uaePassTransactionID: string }) => t.uaePassTransactionID)).toEqual([sent.body.uaePassTransactionID]);

    const readers = await gw.db.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'muwafaqa-read'`,
    );
    expect(readers.rows[0].n).toBeGreaterThan(0);
    // Cancel decides on the primary.
    const cancelled = await client.cancel(body.spTransactionID);
    expect({ status: cancelled.status, body: cancelled.body }).toEqual({ status: 200, body: expect.objectContaining({ status: 'CANCELLED' }) });
    expect((await client.status(body.spTransactionID)).body.status).toBe('CANCELLED');
  });
});

describe('the PartitionConsentTables migration', () => {
  let url: string;
  let ds: DataSource;
  const userId = '00000000-0000-4000-8000-000000000001';
  const txId = '00000000-0000-4000-8000-000000000002';

  beforeAll(async () => {
    url = await createTestDatabase();
    ds = new DataSource(dataSourceOptions({ databaseUrl: url, databaseSchema: undefined, databasePoolSize: 2 }));
    await ds.initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    await dropTestDatabase(url);
  });

  /** Reverts the migrations applied after `name` (later ones may come), then `name` itself. */
  const undoThrough = async (name: string) => {
    for (;;) {
      const [last] = await ds.query(`SELECT name FROM migrations ORDER BY id DESC LIMIT 1`);
      await ds.undoLastMigration();
      if (last.name === name) return;
    }
  };

  it('moves existing rows into the partitioned tables, and down() moves them back to one table each', async () => {
    await ds.runMigrations();
    await undoThrough('PartitionConsentTables1764300000000');
    await ds.query(`INSERT INTO service_providers (client_id, name, name_ar, client_secret_hash) VALUES ('sp', 'SP', 'مقدم', 'x')`);
    await ds.query(`INSERT INTO user_profiles (id, name, name_ar, verified) VALUES ($1, 'U', 'م', true)`, [userId]);
    await ds.query(
      `INSERT INTO consent_transactions (id, sp_id, sp_transaction_id, user_id, id_doc_type, request_type, status, expires_at)
       VALUES ($1, 'sp', 't1', $2, 'EMIRATES_ID', 'spToSp', 'TRIGGERED', now())`,
      [txId, userId],
    );
    await ds.query(
      `INSERT INTO consent_documents (transaction_id, position, name, name_ar, type, type_ar, metadata) VALUES ($1, 0, 'n', 'ن', 't', 'ت', '[]')`,
      [txId],
    );
    await ds.query(`INSERT INTO consent_events (transaction_id, to_status, actor) VALUES ($1, 'TRIGGERED', 'test')`, [txId]);

    await ds.runMigrations();
    const where = async (table: string, column: string) =>
      (await ds.query(`SELECT tableoid::regclass::text AS t FROM ${table} WHERE ${column} = $1`, [txId])).map((r: { t: string }) => r.t);
    expect(await where('consent_transactions', 'id')).toEqual(['consent_transactions_default']);
    expect(await where('consent_documents', 'transaction_id')).toEqual(['consent_documents_default']);
    expect(await where('consent_events', 'transaction_id')).toEqual(['consent_events_default']);
    expect(await ds.query(`SELECT transaction_id FROM consent_idempotency WHERE sp_id = 'sp' AND sp_transaction_id = 't1'`)).toEqual([
      { transaction_id: txId },
    ]);
    // The event sequence carries on from where it was.
    const [next] = await ds.query(`INSERT INTO consent_events (transaction_id, to_status, actor) VALUES ($1, 'EXPIRED', 'test') RETURNING id`, [txId]);
    expect(Number(next.id)).toBe(2);

    await undoThrough('PartitionConsentTables1764300000000');
    expect(await where('consent_transactions', 'id')).toEqual(['consent_transactions']);
    expect(await where('consent_documents', 'transaction_id')).toEqual(['consent_documents']);
    expect((await where('consent_events', 'transaction_id')).length).toBe(2);
    await expect(
      ds.query(
        `INSERT INTO consent_transactions (id, sp_id, sp_transaction_id, user_id, id_doc_type, request_type, status, expires_at)
         VALUES ('00000000-0000-4000-8000-000000000003', 'sp', 't1', $1, 'EMIRATES_ID', 'spToSp', 'TRIGGERED', now())`,
        [userId],
      ),
    ).rejects.toMatchObject({ driverError: expect.objectContaining({ constraint: 'consent_transactions_sp_tx' }) });
    await expect(ds.query(`DELETE FROM consent_events`)).rejects.toThrow(/append-only/);
  });
});
