import { Client } from 'pg';
import { loadConfig } from '../../src/config/config';
import { eventually, expectCatalogError, HttpResult, onboardSp, sendBody, SpClient, startWithSpAndUser, TestUser } from '../support/clients';
import type { Gateway } from '../support/gateway';

/** Status polls that share one statement: every test below gathers exactly this many behind a held lookup. */
const BATCH = 24;

const STATUS_PATH = '/api/v1/consent/transaction/status';

/**
 * Grouped status lookups (StatusRepository): concurrent polls share one statement. To put a
 * known set of polls into one batch, a test holds an ACCESS EXCLUSIVE lock on consent_idempotency
 * (which every lookup reads), polls once (the "blocker": it goes at once and waits on the lock),
 * then fires BATCH polls: they gather behind the running lookup and go as one statement when the
 * BATCH-th arrives (STATUS_BATCH_MAX; the window is long enough never to fire first).
 */
describe('status: concurrent polls share one lookup', () => {
  let gw: Gateway;
  let client: SpClient;
  let user: TestUser;
  let other: SpClient;

  beforeAll(async () => {
    ({ gw, client, user } = await startWithSpAndUser({
      WORKERS_IN_PROCESS: 'false',
      STATUS_BATCH_MAX: String(BATCH),
      STATUS_BATCH_WINDOW_MS: '10000',
    }));
    other = new SpClient(gw, await onboardSp(gw));
  });
  afterAll(async () => {
    await gw?.close();
  });

  async function sent(by: SpClient): Promise<{ spTransactionID: string; id: string }> {
    const body = sendBody(by.creds, user);
    const res = await by.send(body);
    expect(res.status).toBe(201);
    return { spTransactionID: body.spTransactionID, id: res.body.uaePassTransactionID };
  }

  /** Lookups waiting on the held lock. */
  async function waitingLookups(): Promise<number> {
    const { rows } = await gw.db.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%consent_idempotency%'`,
    );
    return rows[0].n as number;
  }

  /** Holds the lookups, lets the blocker and `polls` (BATCH of them) reach Postgres as two statements, then answers the polls. */
  async function inOneBatch(polls: (() => Promise<HttpResult>)[]): Promise<HttpResult[]> {
    expect(polls).toHaveLength(BATCH);
    const locker = new Client({ connectionString: gw.config.databaseUrl });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE consent_idempotency IN ACCESS EXCLUSIVE MODE');
      const blocker = client.status('blocker-poll');
      await eventually(async () => (await waitingLookups()) === 1, 10_000, 'the blocker waiting on the lock');
      const answers = Promise.all(polls.map((poll) => poll()));
      await eventually(async () => (await waitingLookups()) === 2, 20_000, 'the batch waiting on the lock');
      // Nothing else reached Postgres: BATCH polls, one statement.
      expect(await waitingLookups()).toBe(2);
      await locker.query('COMMIT');
      expectCatalogError(await blocker, 404, 'CONS_1000010');
      return await answers;
    } finally {
      await locker.end().catch(() => undefined);
    }
  }

  it('validates its window and size', () => {
    expect(() => loadConfig({ STATUS_BATCH_MAX: '0' })).toThrow('STATUS_BATCH_MAX="0" is invalid: expected a whole number from 1 to 1000');
    expect(() => loadConfig({ STATUS_BATCH_WINDOW_MS: '2.5' })).toThrow('STATUS_BATCH_WINDOW_MS="2.5" is invalid');
    expect(loadConfig({})).toMatchObject({ statusBatchWindowMs: 2, statusBatchMax: 64 });
  });

  it('answers a lone poll at once rather than waiting for the window (10 s here) to gather others', async () => {
    const tx = await sent(client);
    const started = Date.now();
    for (let i = 0; i < 3; i++) expect((await client.status(tx.spTransactionID)).body.status).toBe('TRIGGERED');
    expect(Date.now() - started).toBeLessThan(9000);
  });

  it("gives each poll of one batch exactly its own answer: two SPs, an overdue request, a cancelled one, an unknown id, another SP's id", async () => {
    const mine = [await sent(client), await sent(client), await sent(client)];
    const theirs = [await sent(other), await sent(other)];
    const overdue = await sent(client);
    await gw.db.query(`UPDATE consent_transactions SET expires_at = now() - interval '1 second' WHERE id = $1`, [overdue.id]);
    const cancelled = await sent(client);
    expect((await client.cancel(cancelled.spTransactionID)).status).toBe(200);

    type Expected = { by: SpClient; spTransactionID: string; answer: { id: string; status: string } | 'CONS_1000010' };
    const cases: Expected[] = [
      ...mine.map((t) => ({ by: client, spTransactionID: t.spTransactionID, answer: { id: t.id, status: 'TRIGGERED' } })),
      ...theirs.map((t) => ({ by: other, spTransactionID: t.spTransactionID, answer: { id: t.id, status: 'TRIGGERED' } })),
      { by: client, spTransactionID: overdue.spTransactionID, answer: { id: overdue.id, status: 'EXPIRED' } },
      { by: client, spTransactionID: cancelled.spTransactionID, answer: { id: cancelled.id, status: 'CANCELLED' } },
      { by: client, spTransactionID: 'never-sent-in-batch', answer: 'CONS_1000010' },
      // Each SP asking for the other's spTransactionID, in its own name: not found, no leak.
      { by: client, spTransactionID: theirs[0].spTransactionID, answer: 'CONS_1000010' },
      { by: other, spTransactionID: mine[0].spTransactionID, answer: 'CONS_1000010' },
    ];
    // Fill the batch with repeats (distinct timestamps: one signature twice would be a replay).
    const polls = Array.from({ length: BATCH }, (_, i) => cases[i % cases.length]);
    const now = Date.now();
    const answers = await inOneBatch(polls.map((c, i) => () => c.by.status(c.spTransactionID, { timestamp: now - i })));

    answers.forEach((res, i) => {
      const { spTransactionID, answer } = polls[i];
      if (answer === 'CONS_1000010') {
        expectCatalogError(res, 404, 'CONS_1000010');
        expect(res.body.desc.en).toBe(`Transaction [${spTransactionID}] is not found.`);
      } else {
        expect({ status: res.status, body: res.body }).toEqual({
          status: 200,
          body: { uaePassTransactionID: answer.id, spTransactionID, status: answer.status },
        });
      }
    });
  });

  it("still refuses another SP's spId (CONS_1000015) and an unknown one (CONS_1000012) before any lookup", async () => {
    const res = await client.post(STATUS_PATH, { spTransactionID: 'x', spId: other.creds.clientId });
    expectCatalogError(res, 403, 'CONS_1000015');
    expectCatalogError(await client.post(STATUS_PATH, { spTransactionID: 'x', spId: 'no_such_sp' }), 404, 'CONS_1000012');
  });
});
