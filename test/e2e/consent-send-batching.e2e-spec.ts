import { getDataSourceToken } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/config';
import {
  createUser,
  decide,
  eventually,
  expectCatalogError,
  HttpResult,
  newEmiratesId,
  sendBody,
  SpClient,
  SpCredentials,
  startWithSpAndUser,
  TestUser,
  userToken,
} from '../support/clients';
import type { Gateway } from '../support/gateway';

/** Sends that share one batch: every test below gathers exactly this many behind a held statement. */
const BATCH = 52;

/**
 * Group commit of send (SendBatcher): concurrent sends share one statement. To put a known set of
 * requests into one batch, a test holds a SHARE lock on consent_idempotency (which every send
 * statement inserts into), sends one "blocker" (which goes at once and waits on the lock), then
 * fires BATCH requests: they gather behind the running statement and go as one statement when the
 * BATCH-th arrives (SEND_BATCH_MAX; the window is long enough never to fire first). Rows written
 * by one statement share one transaction id (xmin), which is how the tests see the batch.
 */
describe('send: group commit of concurrent sends', () => {
  let gw: Gateway;
  let sp: SpCredentials;
  let client: SpClient;
  let user: TestUser;
  let locker: Client;

  beforeAll(async () => {
    // No workers: the push worker would move transactions on (no device: INIT_FAILED) while repeats are answered.
    ({ gw, sp, client, user } = await startWithSpAndUser({ WORKERS_IN_PROCESS: 'false', SEND_BATCH_MAX: String(BATCH), SEND_BATCH_WINDOW_MS: '10000' }));
  });
  afterAll(async () => {
    await locker?.end().catch(() => undefined);
    await gw?.close();
  });

  /** Send statements waiting on the held lock. */
  async function waitingSends(): Promise<number[]> {
    // By the lock waited for: pg_stat_activity cuts a statement's text at 1 kB, before the table's name.
    const { rows } = await gw.db.query(
      `SELECT DISTINCT pid FROM pg_locks WHERE NOT granted AND relation = 'consent_idempotency'::regclass AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    return rows.map((r) => r.pid as number);
  }

  /**
   * Holds the send statement, lets the blocker and `bodies` (exactly BATCH of them) reach
   * Postgres as two statements, runs `whileHeld`, releases, and answers the batch's responses.
   */
  async function inOneBatch(bodies: unknown[], whileHeld: (pids: number[]) => Promise<void> = async () => undefined): Promise<HttpResult[]> {
    expect(bodies).toHaveLength(BATCH);
    locker = new Client({ connectionString: gw.config.databaseUrl });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE consent_idempotency IN SHARE MODE');
    try {
      const blocker = client.send(sendBody(sp, user));
      await eventually(async () => (await waitingSends()).length === 1, 10_000, 'the blocker waiting on the lock');
      const now = Date.now();
      // Distinct timestamps: the same body twice with one signature would be a replay.
      const answers = Promise.all(bodies.map((b, i) => client.send(b, { timestamp: now - i })));
      const pids = await eventually(
        async () => {
          const p = await waitingSends();
          return p.length === 2 && p;
        },
        20_000,
        'the batch waiting on the lock',
      );
      await whileHeld(pids);
      await locker.query('COMMIT');
      const [first] = await Promise.all([blocker, answers]);
      void first;
      return answers;
    } finally {
      await locker.end().catch(() => undefined);
    }
  }

  async function xminsOf(spTransactionIds: string[]): Promise<string[]> {
    const { rows } = await gw.db.query(`SELECT DISTINCT xmin::text AS x FROM consent_transactions WHERE sp_id = $1 AND sp_transaction_id = ANY($2)`, [
      sp.clientId,
      spTransactionIds,
    ]);
    return rows.map((r) => r.x as string);
  }

  it('validates its window and size', () => {
    expect(() => loadConfig({ SEND_BATCH_MAX: '0' })).toThrow('SEND_BATCH_MAX="0" is invalid: expected a whole number from 1 to 1000');
    expect(() => loadConfig({ SEND_BATCH_WINDOW_MS: '2.5' })).toThrow('SEND_BATCH_WINDOW_MS="2.5" is invalid');
    expect(loadConfig({})).toMatchObject({ sendBatchWindowMs: 2, sendBatchMax: 64 });
  });

  it('runs its pooled sessions with generic plans (DATABASE_PLAN_CACHE_MODE)', async () => {
    const db = gw.app.get<DataSource>(getDataSourceToken());
    expect(await db.query('SHOW plan_cache_mode')).toEqual([{ plan_cache_mode: 'force_generic_plan' }]);
    expect(() => loadConfig({ DATABASE_PLAN_CACHE_MODE: 'sometimes' })).toThrow('DATABASE_PLAN_CACHE_MODE="sometimes" is invalid');
  });

  it('sends a lone request at once rather than waiting for the window (10 s here) to gather others', async () => {
    const started = Date.now();
    for (let i = 0; i < 3; i++) expect((await client.send(sendBody(sp, user))).status).toBe(201);
    // Had any of the three waited for company, the window alone would exceed this.
    expect(Date.now() - started).toBeLessThan(9000);
  });

  it('answers a 50-way race of one spTransactionID inside one batch with one 201 and 49 CONS_1000001, and writes one transaction', async () => {
    const raced = sendBody(sp, user);
    const bystanders = [sendBody(sp, user), sendBody(sp, user)];
    const answers = await inOneBatch([...Array.from({ length: BATCH - 2 }, () => raced), ...bystanders]);

    const racers = answers.slice(0, BATCH - 2);
    const created = racers.filter((r) => r.status === 201);
    expect(created).toHaveLength(1);
    expect(racers.filter((r) => r.status !== 201)).toHaveLength(49);
    for (const r of racers.filter((x) => x.status !== 201)) expectCatalogError(r, 409, 'CONS_1000001');
    for (const r of answers.slice(BATCH - 2)) expect(r.status).toBe(201);

    const id = created[0].body.uaePassTransactionID;
    const { rows } = await gw.db.query(
      `SELECT t.id, (SELECT count(*)::int FROM consent_documents WHERE transaction_id = t.id) AS documents,
              (SELECT count(*)::int FROM consent_events WHERE transaction_id = t.id) AS events,
              (SELECT count(*)::int FROM outbox WHERE transaction_id = t.id AND topic = 'push') AS pushes,
              (SELECT count(*)::int FROM consent_idempotency WHERE transaction_id = t.id) AS claims
         FROM consent_transactions t WHERE t.sp_id = $1 AND t.sp_transaction_id = $2`,
      [sp.clientId, raced.spTransactionID],
    );
    expect(rows).toEqual([{ id, documents: 1, events: 1, pushes: 1, claims: 1 }]);
    // The winner and the bystanders were written by one statement: one batch.
    expect(await xminsOf([raced.spTransactionID, ...bystanders.map((b) => b.spTransactionID)])).toHaveLength(1);
  });

  it('answers each request of a mixed batch as if it had come alone', async () => {
    const pending = sendBody(sp, user);
    expect((await client.send(pending)).status).toBe(201);
    const decided = sendBody(sp, user);
    expect((await client.send(decided)).status).toBe(201);
    expect((await client.cancel(decided.spTransactionID)).status).toBe(200);
    const unverified = await createUser(gw, { verified: false });
    const passportHolder = await createUser(gw, { documents: [{ idDocType: 'PASSPORT', identifier: '987654321' }] });
    const stranger = { id: '', emiratesId: newEmiratesId() };

    const bad: [number, string, Record<string, unknown>][] = [
      [409, 'CONS_1000001', { ...pending }],
      [409, 'CONS_1000011', { ...decided }],
      [404, '0001', sendBody(sp, stranger)],
      [403, 'CONS_1000003', sendBody(sp, unverified)],
      [409, 'CONS_1000002', sendBody(sp, passportHolder, { identifier: '987654321', idDocType: 'GCC_NATIONAL_ID_CARDS' })],
    ];
    const good = Array.from({ length: BATCH - bad.length }, (_, i) =>
      sendBody(sp, user, { purpose: `good ${i}`, content: { documents: [doc('A', i), doc('B', i)] } }),
    );
    // Bad ones spread among the good ones.
    const bodies: Record<string, unknown>[] = [...good];
    bad.forEach(([, , body], i) => bodies.splice(i * 9 + 1, 0, body));
    const answers = await inOneBatch(bodies);

    for (const [status, code, body] of bad) expectCatalogError(answers[bodies.indexOf(body)], status, code);
    const written = good.map((g) => answers[bodies.indexOf(g)]);
    for (const [i, r] of written.entries()) {
      expect(r.status).toBe(201);
      expect(r.body).toEqual({ uaePassTransactionID: expect.any(String), transactionStatus: 'TRIGGERED', spTransactionID: good[i].spTransactionID });
    }
    // Each good request got its own row, documents in order, from one statement.
    const { rows } = await gw.db.query(
      `SELECT t.id, t.sp_transaction_id, t.purpose, array_agg(d.name ORDER BY d.position) AS docs
         FROM consent_transactions t JOIN consent_documents d ON d.transaction_id = t.id
        WHERE t.sp_id = $1 AND t.sp_transaction_id = ANY($2) GROUP BY t.id`,
      [sp.clientId, good.map((g) => g.spTransactionID)],
    );
    expect(rows).toHaveLength(good.length);
    for (const [i, g] of good.entries()) {
      expect(rows.find((r) => r.sp_transaction_id === g.spTransactionID)).toEqual({
        id: written[i].body.uaePassTransactionID,
        sp_transaction_id: g.spTransactionID,
        purpose: `good ${i}`,
        docs: [`A ${i}`, `B ${i}`],
      });
    }
    expect(await xminsOf(good.map((g) => g.spTransactionID))).toHaveLength(1);
    // The refused ones wrote nothing.
    const strays = await gw.db.query(`SELECT count(*)::int AS n FROM consent_transactions WHERE user_id = ANY($1)`, [[unverified.id, passportHolder.id]]);
    expect(strays.rows[0].n).toBe(0);
  });

  it('answers sends a standing consent covers from it, and asks the user for the rest, inside one batch', async () => {
    // The user stands by EMIRATES_ID for this SP and recipient for ten days (issue 21).
    const holder = await createUser(gw);
    const grant = sendBody(sp, holder, { validUntil: new Date(Date.now() + 10 * 86_400_000).toISOString() });
    const granted = await client.send(grant);
    expect(granted.status).toBe(201);
    expect((await decide(gw, await userToken(gw, holder.id), granted.body.uaePassTransactionID, { accept: true })).status).toBe(200);

    const covered = Array.from({ length: 10 }, () => sendBody(sp, holder));
    // Candidates the full match turns down: another statement, a longer validUntil; and sends of another user.
    const asked = [
      sendBody(sp, holder, { consent: { statement: 'Something else.', statementAr: 'شيء آخر.' } }),
      sendBody(sp, holder, { validUntil: new Date(Date.now() + 20 * 86_400_000).toISOString() }),
      ...Array.from({ length: BATCH - 12 }, () => sendBody(sp, user)),
    ];
    const bodies = [...covered, ...asked];
    const answers = await inOneBatch(bodies);

    for (const [i, b] of covered.entries()) {
      expect(answers[i].status).toBe(201);
      expect(answers[i].body).toEqual({ uaePassTransactionID: expect.any(String), transactionStatus: 'ACCEPTED', spTransactionID: b.spTransactionID });
    }
    for (const [i, b] of asked.entries()) {
      expect(answers[covered.length + i].body).toEqual({
        uaePassTransactionID: expect.any(String),
        transactionStatus: 'TRIGGERED',
        spTransactionID: b.spTransactionID,
      });
    }
    // Each answered from the standing consent has its own row, no push; each asked one a push.
    const { rows } = await gw.db.query(
      `SELECT t.sp_transaction_id, t.status, t.standing_consent_id,
              (SELECT count(*)::int FROM outbox o WHERE o.transaction_id = t.id AND o.topic = 'push') AS pushes
         FROM consent_transactions t WHERE t.sp_id = $1 AND t.sp_transaction_id = ANY($2)`,
      [sp.clientId, bodies.map((b) => b.spTransactionID)],
    );
    expect(rows).toHaveLength(BATCH);
    const byId = new Map(rows.map((r) => [r.sp_transaction_id, r]));
    for (const b of covered)
      expect(byId.get(b.spTransactionID)).toMatchObject({ status: 'ACCEPTED', standing_consent_id: granted.body.uaePassTransactionID, pushes: 0 });
    for (const b of asked) expect(byId.get(b.spTransactionID)).toMatchObject({ status: 'TRIGGERED', standing_consent_id: null, pushes: 1 });
  });

  it('answers every caller of a batch whose statement is cut off with the coded 503, and writes none of it', async () => {
    const bodies = Array.from({ length: BATCH }, () => sendBody(sp, user));
    // A real fault: the backends running the held statements are terminated, as a failover would.
    const answers = await inOneBatch(bodies, async (pids) => {
      await gw.db.query(`SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) pid`, [pids]);
    });
    for (const r of answers) expectCatalogError(r, 503, 'REQ_1000006');
    const ids = bodies.map((b) => b.spTransactionID);
    const { rows } = await gw.db.query(
      `SELECT (SELECT count(*)::int FROM consent_transactions WHERE sp_id = $1 AND sp_transaction_id = ANY($2)) AS transactions,
              (SELECT count(*)::int FROM consent_idempotency WHERE sp_id = $1 AND sp_transaction_id = ANY($2)) AS claims`,
      [sp.clientId, ids],
    );
    expect(rows[0]).toEqual({ transactions: 0, claims: 0 });
    // The pool recovers: the same requests (new signatures) are then written.
    const again = await Promise.all(bodies.slice(0, 5).map((b) => client.send(b)));
    expect(again.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
  });

  it('does not let one request the database refuses fail the others of its batch', async () => {
    // A real refusal from inside the statement: a temporary trigger rejects one document name.
    await gw.db.query(`
      CREATE FUNCTION test_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.name = 'poison' THEN RAISE EXCEPTION 'poisoned document' USING ERRCODE = '22023'; END IF;
        RETURN NEW;
      END $$`);
    await gw.db.query(`CREATE TRIGGER test_poison BEFORE INSERT ON consent_documents FOR EACH ROW EXECUTE FUNCTION test_poison()`);
    try {
      const poisoned = sendBody(sp, user, { content: { documents: [{ ...doc('x', 0), name: 'poison' }] } });
      const bodies = [...Array.from({ length: BATCH - 1 }, () => sendBody(sp, user)), poisoned];
      const answers = await inOneBatch(bodies);
      expectCatalogError(answers[BATCH - 1], 400, 'REQ_1000005');
      expect(answers.slice(0, BATCH - 1).map((r) => r.status)).toEqual(Array(BATCH - 1).fill(201));
      const { rows } = await gw.db.query(`SELECT count(*)::int AS n FROM consent_idempotency WHERE sp_id = $1 AND sp_transaction_id = $2`, [
        sp.clientId,
        poisoned.spTransactionID,
      ]);
      expect(rows[0].n).toBe(0);
    } finally {
      await gw.db.query(`DROP TRIGGER test_poison ON consent_documents; DROP FUNCTION test_poison()`);
    }
  });
});

function doc(prefix: string, i: number) {
  return {
    name: `${prefix} ${i}`,
    nameAr: `مستند ${i}`,
    type: `TYPE_${prefix}_${i}`,
    typeAr: `نوع ${i}`,
    metadata: [{ displayName: 'Full name', displayNameAr: 'الاسم الكامل' }],
  };
}
