import { Gateway, startGateway } from '../support/gateway';
import { createUser, eventually, expectCatalogError, onboardSp, sendBody, SpClient, SpCredentials, TestUser } from '../support/clients';
import { consentRowCounts } from '../support/consent-rows';
import { ConsentTransitions } from '../../src/consent/consent-transitions.service';
import { ExpirySweeper } from '../../src/consent/expiry-sweeper.service';
import type { ConsentStatus } from '../../src/consent/consent-state-machine';

/**
 * status, cancel, validate and repeats over the lifecycle. Workers are off so no push can move a
 * transaction to INIT_FAILED behind the test's back; every state is reached through the real
 * state machine (ConsentTransitions), as the app and the workers reach it.
 */
describe('consent lifecycle over the SP API', () => {
  let gw: Gateway;
  let sp: SpCredentials;
  let client: SpClient;
  let user: TestUser;
  let transitions: ConsentTransitions;

  beforeAll(async () => {
    gw = await startGateway({ WORKERS_IN_PROCESS: 'false' });
    sp = await onboardSp(gw);
    client = new SpClient(gw, sp);
    user = await createUser(gw);
    transitions = gw.app.get(ConsentTransitions);
  });
  afterAll(async () => {
    await gw?.close();
  });

  async function sent(): Promise<{ spTransactionID: string; id: string; body: ReturnType<typeof sendBody> }> {
    const body = sendBody(sp, user);
    const res = await client.send(body);
    expect(res.status).toBe(201);
    return { spTransactionID: body.spTransactionID, id: res.body.uaePassTransactionID, body };
  }

  /** Drives a fresh transaction to `status` through the state machine. */
  async function inState(status: ConsentStatus) {
    const tx = await sent();
    if (status === 'REVOKED') {
      await transitions.transition(tx.id, 'ACCEPTED', 'test');
      await transitions.transition(tx.id, 'REVOKED', 'test');
    } else if (status !== 'TRIGGERED') {
      await transitions.transition(tx.id, status, 'test');
    }
    return tx;
  }

  async function overdue(id: string): Promise<void> {
    await gw.db.query(`UPDATE consent_transactions SET expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
  }

  describe('POST /api/v1/consent/transaction/status', () => {
    it.each<ConsentStatus>(['TRIGGERED', 'ACCEPTED', 'REJECTED', 'INIT_FAILED', 'EXPIRED', 'CANCELLED', 'REVOKED'])('answers %s', async (status) => {
      const tx = await inState(status);
      const res = await client.status(tx.spTransactionID);
      expect({ status: res.status, body: res.body }).toEqual({
        status: 200,
        body: { uaePassTransactionID: tx.id, spTransactionID: tx.spTransactionID, status },
      });
    });

    it('answers EXPIRED for a pending transaction past its expiry, before the sweeper records it', async () => {
      const tx = await sent();
      await overdue(tx.id);
      expect((await client.status(tx.spTransactionID)).body.status).toBe('EXPIRED');
      const row = await gw.db.query(`SELECT status FROM consent_transactions WHERE id = $1`, [tx.id]);
      expect(row.rows[0].status).toBe('TRIGGERED');
    });

    it('answers CONS_1000010 (404) naming an unknown spTransactionID', async () => {
      const res = await client.status('never-sent-494');
      expect({ status: res.status, body: res.body }).toEqual({
        status: 404,
        body: { code: 'CONS_1000010', desc: { en: 'Transaction [never-sent-494] is not found.', ar: 'المعاملة [never-sent-494] غير موجودة.' } },
      });
    });

    it("answers CONS_1000010 for another SP's spTransactionID (no leak across SPs)", async () => {
      const other = new SpClient(gw, await onboardSp(gw));
      const tx = await sent();
      expectCatalogError(await other.status(tx.spTransactionID), 404, 'CONS_1000010');
    });

    it('answers CONS_1000012 (404) naming an unknown spId', async () => {
      const res = await client.post('/api/v1/consent/transaction/status', { spTransactionID: 'x', spId: 'owner_sp_client_id' });
      expect({ status: res.status, body: res.body }).toEqual({
        status: 404,
        body: { code: 'CONS_1000012', desc: { en: 'Service Provider [owner_sp_client_id] is not found.', ar: 'مقدم الخدمة [owner_sp_client_id] غير موجودة.' } },
      });
    });

    it("answers CONS_1000015 (403) for another registered SP's spId", async () => {
      const other = await onboardSp(gw);
      const tx = await sent();
      const res = await client.post('/api/v1/consent/transaction/status', { spTransactionID: tx.spTransactionID, spId: other.clientId });
      expectCatalogError(res, 403, 'CONS_1000015');
      expect(res.body.desc.ar).toBe(`رقم مقدم الخدمة [${other.clientId}] لا يطابق العميل الذي تم التحقق منه.`);
    });

    it.each([
      [{ spId: 'x' }, 'spTransactionID'],
      [{ spTransactionID: 'x' }, 'spId'],
      [{ spTransactionID: 5, spId: 'x' }, 'spTransactionID'],
    ])('refuses %j with CONS_1000007 naming %s', async (body, field) => {
      const res = await client.post('/api/v1/consent/transaction/status', body);
      expectCatalogError(res, 400, 'CONS_1000007');
      expect(res.body.desc.en.startsWith(`Field [${field}]`)).toBe(true);
    });
  });

  describe('POST /api/v1/consent/transaction/cancel', () => {
    it('moves TRIGGERED to CANCELLED, with its event and no callback to the SP', async () => {
      const tx = await sent();
      const res = await client.cancel(tx.spTransactionID);
      expect({ status: res.status, body: res.body }).toEqual({
        status: 200,
        body: { uaePassTransactionID: tx.id, spTransactionID: tx.spTransactionID, status: 'CANCELLED' },
      });
      expect((await client.status(tx.spTransactionID)).body.status).toBe('CANCELLED');
      const events = await gw.db.query(`SELECT from_status, to_status, actor FROM consent_events WHERE transaction_id = $1 ORDER BY id`, [tx.id]);
      expect(events.rows).toEqual([
        { from_status: null, to_status: 'TRIGGERED', actor: `sp:${sp.clientId}` },
        { from_status: 'TRIGGERED', to_status: 'CANCELLED', actor: `sp:${sp.clientId}` },
      ]);
      const outbox = await gw.db.query(`SELECT topic FROM outbox WHERE transaction_id = $1 ORDER BY id`, [tx.id]);
      expect(outbox.rows).toEqual([{ topic: 'push' }]);
    });

    it.each<ConsentStatus>(['ACCEPTED', 'REJECTED', 'INIT_FAILED', 'EXPIRED', 'CANCELLED', 'REVOKED'])(
      'answers CONS_1000011 naming the status for a %s transaction, and writes nothing',
      async (status) => {
        const tx = await inState(status);
        const before = await consentRowCounts(gw);
        const res = await client.cancel(tx.spTransactionID);
        expect({ status: res.status, body: res.body }).toEqual({
          status: 409,
          body: {
            code: 'CONS_1000011',
            desc: {
              en: `Consent for transaction ID [${tx.spTransactionID}] has been done. Its current status is [${status}].`,
              ar: `تمت الموافقة على المعاملة رقم [${tx.spTransactionID}]، وحالتها الحالية هي [${status}].`,
            },
          },
        });
        expect(await consentRowCounts(gw)).toEqual(before);
      },
    );

    it('answers CONS_1000011 [EXPIRED] for an overdue pending one, as status reads it, and leaves it to expire', async () => {
      const tx = await sent();
      await overdue(tx.id);
      const res = await client.cancel(tx.spTransactionID);
      expectCatalogError(res, 409, 'CONS_1000011');
      expect(res.body.desc.en).toContain('[EXPIRED]');
      expect((await client.status(tx.spTransactionID)).body.status).toBe('EXPIRED');
    });

    it('answers CONS_1000010 for an unknown one', async () => {
      expectCatalogError(await client.cancel('never-sent'), 404, 'CONS_1000010');
    });
  });

  describe('repeats of a spTransactionID', () => {
    it('answers CONS_1000001 while pending and CONS_1000011 [ACCEPTED] once decided', async () => {
      const tx = await sent();
      expectCatalogError(await client.send(tx.body), 409, 'CONS_1000001');
      await transitions.transition(tx.id, 'ACCEPTED', 'test');
      const res = await client.send(tx.body);
      expectCatalogError(res, 409, 'CONS_1000011');
      expect(res.body.desc.en).toBe(`Consent for transaction ID [${tx.spTransactionID}] has been done. Its current status is [ACCEPTED].`);
    });

    it('answers CONS_1000011 [EXPIRED] for a repeat of an overdue one', async () => {
      const tx = await sent();
      await overdue(tx.id);
      const res = await client.send(tx.body);
      expectCatalogError(res, 409, 'CONS_1000011');
      expect(res.body.desc.en).toContain('[EXPIRED]');
    });

    it('lets another SP use the same spTransactionID (uniqueness is per SP)', async () => {
      const tx = await sent();
      const otherSp = await onboardSp(gw);
      const res = await new SpClient(gw, otherSp).send(sendBody(otherSp, user, { spTransactionID: tx.spTransactionID }));
      expect(res.status).toBe(201);
    });

    it('50 concurrent sends of one spTransactionID: one 201, 49 CONS_1000001, one row, one event, one outbox row', async () => {
      const body = sendBody(sp, user);
      // Each request is signed separately (replay protection refuses a second identical signature).
      const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => client.send(body, { timestamp: Date.now() + i })));
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      const refused = answers.filter((a) => a.status !== 201);
      expect(refused).toHaveLength(49);
      for (const r of refused) expect(r.body).toEqual({ code: 'CONS_1000001', desc: { en: 'Transaction already exists.', ar: 'المعاملة موجودة بالفعل.' } });
      const winner = answers.find((a) => a.status === 201)!;
      const rows = await gw.db.query(
        `SELECT id, (SELECT count(*) FROM consent_events e WHERE e.transaction_id = t.id)::int AS events,
                (SELECT count(*) FROM outbox o WHERE o.transaction_id = t.id)::int AS outbox,
                (SELECT count(*) FROM consent_documents d WHERE d.transaction_id = t.id)::int AS documents
           FROM consent_transactions t WHERE sp_id = $1 AND sp_transaction_id = $2`,
        [sp.clientId, body.spTransactionID],
      );
      expect(rows.rows).toEqual([{ id: winner.body.uaePassTransactionID, events: 1, outbox: 1, documents: 1 }]);
    });
  });

  describe('POST /api/v1/consent/transaction/validate', () => {
    it('answers what send would, for a valid body, and writes nothing', async () => {
      const body = sendBody(sp, user);
      const before = await consentRowCounts(gw);
      const res = await client.validate(body);
      expect({ status: res.status, body: res.body }).toEqual({
        status: 200,
        body: { valid: true, uaePassTransactionID: null, transactionStatus: 'TRIGGERED', spTransactionID: body.spTransactionID },
      });
      expect(await consentRowCounts(gw)).toEqual(before);
      expect((await client.send(body)).status).toBe(201);
    });

    it('answers CONS_1000001 and CONS_1000011 for a repeat, as send does', async () => {
      const tx = await sent();
      expectCatalogError(await client.validate(tx.body), 409, 'CONS_1000001');
      await transitions.transition(tx.id, 'REJECTED', 'test');
      const res = await client.validate(tx.body);
      expectCatalogError(res, 409, 'CONS_1000011');
      expect(res.body.desc.en).toContain('[REJECTED]');
    });

    it('answers the same error as send for every refusal, writing nothing', async () => {
      const unverified = await createUser(gw, { verified: false });
      const withoutRequestedBy: Record<string, unknown> = sendBody(sp, user);
      delete withoutRequestedBy.requestedById;
      const bad: [string, unknown][] = [
        ['UMS_VAL_025', sendBody(sp, user, { identifier: 'X' })],
        ['CONS_1000006', sendBody(sp, user, { idDocType: 'DRIVING_LICENCE' })],
        ['0001', sendBody(sp, { id: '', emiratesId: '784-1900-0000000-1' } as TestUser, { identifier: '784190000000001' })],
        ['CONS_1000003', sendBody(sp, unverified)],
        ['CONS_1000012', sendBody(sp, user, { spId: 'owner_sp_client_id' })],
        ['CONS_1000009', withoutRequestedBy],
        ['CONS_1000008', sendBody(sp, user, { requestType: 'peerToPeer', requestedById: undefined })],
        ['CONS_1000007', sendBody(sp, user, { content: { documents: [] } })],
      ];
      for (const [code, body] of bad) {
        const before = await consentRowCounts(gw);
        const viaValidate = await client.validate(body);
        const viaSend = await client.send(body);
        expect({ code, validate: viaValidate.body, status: viaValidate.status }).toEqual({ code, validate: viaSend.body, status: viaSend.status });
        expect(viaValidate.body.code).toBe(code);
        expect(await consentRowCounts(gw)).toEqual(before);
      }
    });
  });
});

describe('expiry sweeper', () => {
  // Transactions are sent through a gateway without workers and made overdue before a second
  // gateway with workers (and so the sweeper) starts on the same database: the push worker then
  // finds them overdue and cannot record INIT_FAILED first, so the outcome is deterministic.
  let sender: Gateway;
  let sweeper: Gateway | undefined;
  let sp: SpCredentials;
  let client: SpClient;
  let user: TestUser;
  beforeAll(async () => {
    sender = await startGateway({ WORKERS_IN_PROCESS: 'false' });
    sp = await onboardSp(sender);
    client = new SpClient(sender, sp);
    user = await createUser(sender);
  });
  afterAll(async () => {
    await sweeper?.close();
    await sender?.close();
  });

  it('moves overdue TRIGGERED transactions to EXPIRED with an event and a callback outbox row, and leaves the others', async () => {
    const bodies = [sendBody(sp, user), sendBody(sp, user)];
    const ids: string[] = [];
    for (const body of bodies) ids.push((await client.send(body)).body.uaePassTransactionID);
    await sender.db.query(`UPDATE consent_transactions SET expires_at = now() - interval '1 second' WHERE id = $1`, [ids[0]]);
    await sender.db.query(`UPDATE consent_transactions SET expires_at = now() + interval '1 hour' WHERE id = $1`, [ids[1]]);

    sweeper = await startGateway({ EXPIRY_SWEEP_INTERVAL_MS: '100' }, sender.config.databaseUrl);
    const events = await eventually(
      async () => {
        const r = await sender.db.query(`SELECT from_status, to_status, actor FROM consent_events WHERE transaction_id = $1 AND to_status <> 'TRIGGERED'`, [
          ids[0],
        ]);
        return r.rows.length ? r.rows : null;
      },
      10_000,
      'the EXPIRED event',
    );
    expect(events).toEqual([{ from_status: 'TRIGGERED', to_status: 'EXPIRED', actor: 'system:expiry' }]);
    const rows = await sender.db.query(`SELECT id, status FROM consent_transactions WHERE id = ANY($1::uuid[]) ORDER BY id = $2 DESC`, [ids, ids[0]]);
    expect(rows.rows.map((r: { status: string }) => r.status)[0]).toBe('EXPIRED');
    const outbox = await sender.db.query(`SELECT topic, payload FROM outbox WHERE transaction_id = $1 ORDER BY id`, [ids[0]]);
    expect(outbox.rows).toEqual([
      { topic: 'push', payload: {} },
      { topic: 'callback', payload: { status: 'EXPIRED' } },
    ]);
    expect((await client.status(bodies[0].spTransactionID)).body.status).toBe('EXPIRED');
    // The other one is not due: the sweeper leaves it (the push worker may fail it, having no device).
    const other = await sender.db.query(`SELECT to_status FROM consent_events WHERE transaction_id = $1 AND to_status = 'EXPIRED'`, [ids[1]]);
    expect(other.rows).toEqual([]);
  });

  it('sweep() answers how many it moved, and a second sweep finds none', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await client.send(sendBody(sp, user))).body.uaePassTransactionID);
    await sender.db.query(`UPDATE consent_transactions SET expires_at = now() - interval '1 minute' WHERE id = ANY($1::uuid[])`, [ids]);
    const sweepers = [sweeper!.app.get(ExpirySweeper), sender.app.get(ExpirySweeper)];
    // Two instances sweeping at once take disjoint rows (SKIP LOCKED); together they move all three.
    const moved = (await Promise.all([...sweepers.map((s) => s.sweep()), sweepers[1].sweep()])).reduce((a, b) => a + b, 0);
    const events = await sender.db.query(`SELECT count(*)::int AS n FROM consent_events WHERE transaction_id = ANY($1::uuid[]) AND to_status = 'EXPIRED'`, [
      ids,
    ]);
    // The interval sweeper of the second gateway may have taken some of them first.
    expect(moved).toBeLessThanOrEqual(3);
    expect(events.rows[0].n).toBe(3);
    expect(await sweepers[1].sweep()).toBe(0);
  });
});
