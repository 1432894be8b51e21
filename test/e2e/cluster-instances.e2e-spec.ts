import { Gateway, startGateway } from '../support/gateway';
import { adminCall, createUser, expectCatalogError, onboardSp, sendBody, SpClient, SpCredentials, TestUser } from '../support/clients';

/**
 * Two gateway instances sharing one database and one Redis prefix, as `npm run start:cluster`
 * runs them: each has its own in-memory caches, so whatever holds here holds because of Postgres
 * and Redis, not because of a shared process.
 */
describe('cluster: two instances on one Postgres and one Redis prefix', () => {
  let a: Gateway;
  let b: Gateway;
  let sp: SpCredentials;
  let user: TestUser;
  let viaA: SpClient;
  let viaB: SpClient;

  beforeAll(async () => {
    // No workers: the user has no device, and a push worker would move the transaction to
    // INIT_FAILED while the repeats are still arriving (they would then read CONS_1000011).
    a = await startGateway({ WORKERS_IN_PROCESS: 'false' });
    b = await startGateway({ REDIS_PREFIX: a.config.redisPrefix, WORKERS_IN_PROCESS: 'false' }, a.config.databaseUrl);
    sp = await onboardSp(a);
    user = await createUser(a);
    viaA = new SpClient(a, sp);
    // The token comes from instance A and is used on B: the signing keys are shared through Postgres.
    viaB = new SpClient(b, sp);
    (viaB as unknown as { tokens: unknown }).tokens = await viaA.tokenPair();
  });
  afterAll(async () => {
    // B reuses A's database: close it first, A drops the database.
    await b?.close();
    await a?.close();
  });

  it('creates exactly one transaction when the same spTransactionID is sent to both at once', async () => {
    const body = sendBody(sp, user);
    // Ten concurrent sends, split across the instances, each with its own timestamp (so its own signature).
    const now = Date.now();
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? viaB : viaA).send(body, { timestamp: now - i })));
    const created = answers.filter((r) => r.status === 201);
    expect(created).toHaveLength(1);
    for (const r of answers.filter((x) => x.status !== 201)) expectCatalogError(r, 409, 'CONS_1000001');

    const rows = await a.db.query(`SELECT id FROM consent_transactions WHERE sp_id = $1 AND sp_transaction_id = $2`, [sp.clientId, body.spTransactionID]);
    expect(rows.rows).toEqual([{ id: created[0].body.uaePassTransactionID }]);
    const id = rows.rows[0].id;
    const counts = await a.db.query(
      // Only the TRIGGERED event is the send's: the push worker may already have moved it on (no device: INIT_FAILED).
      `SELECT (SELECT count(*)::int FROM consent_events WHERE transaction_id = $1 AND to_status = 'TRIGGERED') AS events,
              (SELECT count(*)::int FROM consent_documents WHERE transaction_id = $1) AS documents,
              (SELECT count(*)::int FROM outbox WHERE transaction_id = $1 AND topic = 'push') AS pushes`,
      [id],
    );
    expect(counts.rows[0]).toEqual({ events: 1, documents: 1, pushes: 1 });

    // Either instance reads the one transaction (distinct timestamps: the same signature twice is a replay).
    const t = Date.now();
    const [stA, stB] = await Promise.all([viaA.status(body.spTransactionID, { timestamp: t }), viaB.status(body.spTransactionID, { timestamp: t - 1 })]);
    expect([stA.status, stA.body.uaePassTransactionID, stB.status, stB.body.uaePassTransactionID]).toEqual([200, id, 200, id]);
  });

  it('refuses on one instance a signed request already accepted by the other', async () => {
    const body = sendBody(sp, user);
    const timestamp = Date.now();
    const first = await viaA.send(body, { timestamp });
    expect(first.status).toBe(201);
    const replayed = await viaB.send(body, { timestamp });
    expectCatalogError(replayed, 401, 'SEC_1000004');

    const status = { timestamp: Date.now() };
    expect((await viaB.status(body.spTransactionID, status)).status).toBe(200);
    expectCatalogError(await viaA.status(body.spTransactionID, status), 401, 'SEC_1000004');

    const rows = await a.db.query(`SELECT count(*)::int AS n FROM consent_transactions WHERE sp_transaction_id = $1`, [body.spTransactionID]);
    expect(rows.rows[0].n).toBe(1);
  });

  it('lets exactly one of two simultaneous copies of a signed request through, whichever instance gets it', async () => {
    const body = sendBody(sp, user);
    const timestamp = Date.now();
    const answers = await Promise.all([viaA.send(body, { timestamp }), viaB.send(body, { timestamp })]);
    expect(answers.map((r) => r.status).sort()).toEqual([201, 401]);
    expectCatalogError(
      answers.find((r) => r.status === 401)!,
      401,
      'SEC_1000004',
    );
    const rows = await a.db.query(`SELECT count(*)::int AS n FROM consent_transactions WHERE sp_transaction_id = $1`, [body.spTransactionID]);
    expect(rows.rows[0].n).toBe(1);
  });

  it('drops a revoked signing secret on the other instance at once (cache invalidation over Redis)', async () => {
    const own = await onboardSp(a);
    const onA = new SpClient(a, own);
    const onB = new SpClient(b, own);
    // Warm B's cache of the SP with its current secret.
    const warm = await onB.send(sendBody(own, user));
    expect(warm.status).toBe(201);

    const added = await adminCall(a, 'POST', `/admin/v1/service-providers/${own.clientId}/signing-secrets`);
    expect(added.status).toBe(201);
    const listed = await adminCall(a, 'GET', `/admin/v1/service-providers/${own.clientId}/signing-secrets`);
    const old = (listed.body.items as { id: string }[]).find((s) => s.id !== added.body.id)!;
    expect((await adminCall(a, 'DELETE', `/admin/v1/service-providers/${own.clientId}/signing-secrets/${old.id}`)).status).toBe(204);

    // B must refuse the revoked secret without waiting out its 30 s cache.
    const deadline = Date.now() + 5000;
    let res = await onB.send(sendBody(own, user));
    while (res.status === 201 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      res = await onB.send(sendBody(own, user));
    }
    expectCatalogError(res, 401, 'CONS_1000005');
    const fresh = await onB.send(sendBody(own, user), { secret: added.body.signingSecret });
    expect(fresh.status).toBe(201);
    expect((await onA.send(sendBody(own, user), { secret: added.body.signingSecret })).status).toBe(201);
  });
});
