import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { RETENTION_QUEUE, RETENTION_SCHEDULER_ID } from '../../src/privacy/retention.service';
import { AppDevice, connectAppDevice } from '../support/app-device';
import {
  adminCall,
  appCall,
  createUser,
  decide,
  eventually,
  expectCatalogError,
  newEmiratesId,
  onboardSp,
  sendBody,
  SpClient,
  SpCredentials,
  userToken,
} from '../support/clients';
import { createTestDatabase, dropTestDatabase, Gateway, startGateway } from '../support/gateway';

const POLICY = { RETENTION_DAYS: '1', RETENTION_ACCEPTED_DAYS: '3' };

/** Moves a transaction's last status change into the past, as if days had gone by. */
async function age(gw: Gateway, id: string, days: number): Promise<void> {
  await gw.db.query(`UPDATE consent_transactions SET updated_at = updated_at - make_interval(days => $2) WHERE id = $1`, [id, days]);
}

const snapshot = async (gw: Gateway, id: string) => ({
  tx: (
    await gw.db.query(
      `SELECT status, created_at, updated_at, decided_at, expires_at, purpose, purpose_ar, requestor_name, requestor_name_ar, requestor_enc, receipt,
              anonymised_at, user_id, sp_id, sp_transaction_id FROM consent_transactions WHERE id = $1`,
      [id],
    )
  ).rows[0],
  documents: (
    await gw.db.query(`SELECT name, name_ar, type, type_ar, metadata, accepted FROM consent_documents WHERE transaction_id = $1 ORDER BY position`, [id])
  ).rows,
  events: (await gw.db.query(`SELECT * FROM consent_events WHERE transaction_id = $1 ORDER BY id`, [id])).rows,
});

describe('retention: decided transactions are anonymised by the privacy-retention job', () => {
  let databaseUrl: string;
  let gw: Gateway | undefined;
  let device: AppDevice | undefined;
  let sp: SpCredentials;
  let token: string;
  const tx: Record<'cancelledOld' | 'acceptedOld' | 'acceptedRecent' | 'rejectedRecent' | 'pendingOld', { id: string; spTransactionID: string }> = {} as never;
  const before: Record<string, Awaited<ReturnType<typeof snapshot>>> = {};

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    // A long interval: nothing runs by itself while the scene is set up.
    gw = await startGateway({ ...POLICY, RETENTION_SWEEP_INTERVAL_MS: '3600000' }, databaseUrl);
    sp = await onboardSp(gw);
    const user = await createUser(gw);
    token = await userToken(gw, user.id);
    device = await connectAppDevice(gw, token);
    const client = new SpClient(gw, sp);
    const send = async (overrides: Record<string, unknown> = {}) => {
      const body = sendBody(sp, user, overrides);
      const res = await client.send(body);
      expect(res.status).toBe(201);
      return { id: res.body.uaePassTransactionID as string, spTransactionID: body.spTransactionID };
    };
    const requestor = {
      name: 'Omar Al Hammadi',
      nameAr: 'عمر الحمادي',
      identifier: newEmiratesId(),
      idType: 'EMIRATES_ID',
      additionalInfo: { branch: 'Deira' },
    };
    tx.cancelledOld = await send({ requestType: 'peerToPeer', requestedById: undefined, requestor });
    expect((await client.cancel(tx.cancelledOld.spTransactionID)).status).toBe(200);
    tx.acceptedOld = await send();
    expect((await decide(gw, token, tx.acceptedOld.id, { accept: true })).status).toBe(200);
    tx.acceptedRecent = await send();
    expect((await decide(gw, token, tx.acceptedRecent.id, { accept: true })).status).toBe(200);
    tx.rejectedRecent = await send();
    expect((await decide(gw, token, tx.rejectedRecent.id, { accept: false })).status).toBe(200);
    tx.pendingOld = await send();

    await age(gw, tx.cancelledOld.id, 2); // past RETENTION_DAYS=1
    await age(gw, tx.acceptedOld.id, 4); // past RETENTION_ACCEPTED_DAYS=3
    await age(gw, tx.acceptedRecent.id, 2); // ACCEPTED: 2 < 3 days, kept
    await age(gw, tx.pendingOld.id, 10); // TRIGGERED is never anonymised
    for (const [name, t] of Object.entries(tx)) before[name] = await snapshot(gw, t.id);
  });

  afterAll(async () => {
    device?.close();
    await gw?.close();
    await dropTestDatabase(databaseUrl);
  });

  it('GET /admin/v1/privacy/retention/preview shows what the next run removes, and nothing else', async () => {
    const res = await adminCall(gw!, 'GET', '/admin/v1/privacy/retention/preview');
    expect(res.status).toBe(200);
    expect(res.body.policy).toEqual({ retentionDays: 1, retentionAcceptedDays: 3, sweepIntervalMs: 3600000 });
    expect(res.body.due).toEqual({ ACCEPTED: 1, CANCELLED: 1 });
    expect(res.body.total).toBe(2);
    // Oldest first; identifiers and names are not in the preview.
    expect(res.body.next.map((n: { uaePassTransactionID: string }) => n.uaePassTransactionID)).toEqual([tx.acceptedOld.id, tx.cancelledOld.id]);
    expect(res.body.next[0]).toEqual({
      uaePassTransactionID: tx.acceptedOld.id,
      spId: sp.clientId,
      spTransactionID: tx.acceptedOld.spTransactionID,
      status: 'ACCEPTED',
      lastChangedAt: new Date(before.acceptedOld.tx.updated_at).toISOString(),
      dueSince: new Date(new Date(before.acceptedOld.tx.updated_at).getTime() + 3 * 86_400_000).toISOString(),
    });
    expect(res.body.removes).toContain('receipt');
    expect(JSON.stringify(res.body)).not.toContain('Opening a bank account');
  });

  it('refuses a bad limit with a catalog code', async () => {
    expectCatalogError(await adminCall(gw!, 'GET', '/admin/v1/privacy/retention/preview?limit=0'), 400, 'CONS_1000007');
  });

  describe('after the scheduled job has run (gateway restarted with a 200 ms schedule)', () => {
    beforeAll(async () => {
      device?.close();
      await gw!.close();
      gw = await startGateway({ ...POLICY, RETENTION_SWEEP_INTERVAL_MS: '200' }, databaseUrl);
      await eventually(
        async () => (await gw!.db.query(`SELECT count(*)::int AS n FROM consent_transactions WHERE anonymised_at IS NOT NULL`)).rows[0].n === 2,
        15_000,
        'the retention job to anonymise the due transactions',
      );
    });

    it('runs as a repeatable BullMQ job on its own queue', async () => {
      const queue = gw!.app.get<Queue>(getQueueToken(RETENTION_QUEUE));
      expect(queue.opts.prefix).toBe(`{${gw!.config.redisPrefix}}`);
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => ({ key: s.key, every: Number(s.every) }))).toEqual([{ key: RETENTION_SCHEDULER_ID, every: 200 }]);
      const done = await eventually(async () => (await queue.getCompleted()).find((j) => j.returnvalue?.anonymised === 2), 5000, 'a completed sweep');
      expect(done.data).toEqual({});
    });

    it('removes purpose, requestor, receipt and document names, keeping status, timestamps and the event log', async () => {
      for (const name of ['cancelledOld', 'acceptedOld'] as const) {
        const after = await snapshot(gw!, tx[name].id);
        const was = before[name];
        expect(after.tx).toEqual({
          ...was.tx,
          purpose: null,
          purpose_ar: null,
          requestor_name: null,
          requestor_name_ar: null,
          requestor_enc: null,
          receipt: null,
          anonymised_at: expect.any(Date),
        });
        expect(after.documents).toEqual(
          was.documents.map((d: { type: string; type_ar: string }) => ({ ...d, name: d.type, name_ar: d.type_ar, metadata: [] })),
        );
        expect(after.events).toEqual(was.events);
        expect(after.events.length).toBeGreaterThanOrEqual(2);
      }
      expect(before.cancelledOld.tx.requestor_enc).toMatch(/^v1\./);
      expect(before.acceptedOld.tx.receipt).toEqual(expect.any(String));
    });

    it('leaves what is not due untouched', async () => {
      for (const name of ['acceptedRecent', 'rejectedRecent', 'pendingOld'] as const) {
        expect(await snapshot(gw!, tx[name].id)).toEqual(before[name]);
      }
      const preview = await adminCall(gw!, 'GET', '/admin/v1/privacy/retention/preview');
      expect(preview.body).toMatchObject({ due: {}, total: 0, next: [] });
    });

    it("still answers the SP's status query", async () => {
      const client = new SpClient(gw!, sp);
      const cancelled = await client.status(tx.cancelledOld.spTransactionID);
      expect({ status: cancelled.status, body: cancelled.body }).toEqual({
        status: 200,
        body: { uaePassTransactionID: tx.cancelledOld.id, spTransactionID: tx.cancelledOld.spTransactionID, status: 'CANCELLED' },
      });
      const accepted = await client.status(tx.acceptedOld.spTransactionID);
      expect(accepted.body.status).toBe('ACCEPTED');
    });

    it('shows the user the anonymised transaction in their export, with its history', async () => {
      const res = await appCall(gw!, token, 'GET', '/app/v1/me/export');
      expect(res.status).toBe(200);
      const t = res.body.transactions.find((x: { uaePassTransactionID: string }) => x.uaePassTransactionID === tx.acceptedOld.id);
      expect(t).toMatchObject({ status: 'ACCEPTED', purpose: null, purposeAr: null, receipt: null, anonymisedAt: expect.any(String) });
      expect(t.events.map((e: { to: string }) => e.to)).toEqual(['TRIGGERED', 'ACCEPTED']);
    });
  });
});
