import { Gateway, startGateway } from '../support/gateway';
import { clientToken, createUser, expectCatalogError, onboardSp, sendBody, SpClient, SpCredentials } from '../support/clients';
import { RedisNode, startRedisNode } from '../support/redis-topologies';

/** Requests signed at most this long after an outage began are refused during it (CLOCK_AHEAD_TOLERANCE_MS). */
const TOLERANCE_MS = 2000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('replay protection while Redis is away', () => {
  let redis: RedisNode;
  let gw: Gateway;
  let sp: SpCredentials;
  let client: SpClient;

  beforeAll(async () => {
    redis = await startRedisNode();
    gw = await startGateway({ REDIS_URL: redis.url });
    sp = await onboardSp(gw);
    client = new SpClient(gw, sp);
    await client.tokenPair();
  });
  afterAll(async () => {
    await gw?.close().catch(() => undefined);
    await redis?.stop();
  });

  /** Stops Redis and waits until requests signed now are past the start of the outage's tolerance. */
  async function outage() {
    await redis.stop('SIGKILL');
    await sleep(TOLERANCE_MS + 200);
  }

  async function recovered() {
    if (redis.process.exitCode === null && redis.process.signalCode === null) return;
    await redis.restart();
    await sleep(500);
  }
  // Each test starts with Redis up, even when the one before failed mid-outage.
  afterEach(recovered);

  const replayRecords = async () => (await gw.db.query(`SELECT count(*)::int AS n FROM replay_records`)).rows[0].n;

  // First: no Postgres record may exist yet, else every request is also written there (after an outage).
  it('refuses during the outage the replay of a future-dated request accepted before it (kept in Postgres too)', async () => {
    expect(await replayRecords()).toBe(0);
    const ahead = Date.now() + 60_000; // an SP clock a minute ahead, inside the 300 s window
    expectCatalogError(await client.status('tx-ahead', { timestamp: ahead }), 404, 'CONS_1000010');
    await outage();
    expectCatalogError(await client.status('tx-ahead', { timestamp: ahead }), 401, 'SEC_1000004');
    await recovered();
  });

  it('accepts a signed send once during the outage, refuses its replay during and after it', async () => {
    const user = await createUser(gw);
    const body = sendBody(sp, user);

    await outage();
    const timestamp = Date.now();
    const first = await client.send(body, { timestamp });
    expect(first.status).toBe(201);
    expectCatalogError(await client.send(body, { timestamp }), 401, 'SEC_1000004');
    // The digest went to Postgres, never the signature itself.
    const records = await gw.db.query(`SELECT caller, digest FROM replay_records`);
    expect(records.rows.length).toBeGreaterThanOrEqual(1);
    for (const r of records.rows) expect(r).toEqual({ caller: `sp:${sp.clientId}`, digest: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });

    // Tokens are still issued (the token throttle waits for Redis).
    expect((await clientToken(gw, sp.clientId, sp.clientSecret)).status).toBe(200);

    await recovered();
    // Redis never saw the first request: the Postgres record still refuses its replay.
    expectCatalogError(await client.send(body, { timestamp }), 401, 'SEC_1000004');
    // A new request goes through, and is itself refused when replayed.
    const next = sendBody(sp, user);
    const nextTimestamp = Date.now();
    expect((await client.send(next, { timestamp: nextTimestamp })).status).toBe(201);
    expectCatalogError(await client.send(next, { timestamp: nextTimestamp }), 401, 'SEC_1000004');
    const rows = await gw.db.query(`SELECT count(*)::int AS n FROM consent_transactions`);
    expect(rows.rows[0].n).toBe(2);
  });

  it('refuses during the outage the replay of a request Redis accepted before it (503 REQ_1000006: sign again), recording nothing', async () => {
    const timestamp = Date.now();
    expectCatalogError(await client.status('tx-before-outage', { timestamp }), 404, 'CONS_1000010');

    await outage();
    const before = await replayRecords();
    const replay = await client.status('tx-before-outage', { timestamp });
    expectCatalogError(replay, 503, 'REQ_1000006');
    expect(replay.body.desc).toEqual({ en: 'The service is temporarily unavailable; retry shortly.', ar: 'الخدمة غير متاحة مؤقتاً؛ أعد المحاولة بعد قليل.' });
    expect(replay.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await replayRecords()).toBe(before);
    // Signed again with the current time, it goes through.
    expectCatalogError(await client.status('tx-before-outage'), 404, 'CONS_1000010');
    await recovered();
  });
});
