import { adminCall, clientToken, createUser, expectCatalogError, http, onboardSp, sendBody, SpClient, SpCredentials, TestUser } from '../support/clients';
import { Gateway, startGateway } from '../support/gateway';

describe('ops API under /admin/v1', () => {
  let gw: Gateway;
  let spA: SpCredentials;
  let spB: SpCredentials;
  let user: TestUser;
  const sentA: { spTransactionID: string; id: string }[] = [];
  let sentB: { spTransactionID: string; id: string };

  beforeAll(async () => {
    // No workers: pushes are not attempted, so statuses change only when this test says so.
    gw = await startGateway({ WORKERS_IN_PROCESS: 'false' });
    [spA, spB] = await Promise.all([onboardSp(gw, { callbackUrl: 'http://127.0.0.1:9/cb', callbackApiKey: 'cb-key-secret' }), onboardSp(gw)]);
    user = await createUser(gw);
    const a = new SpClient(gw, spA);
    for (let i = 0; i < 5; i++) {
      const body = sendBody(spA, user);
      const res = await a.send(body);
      expect(res.status).toBe(201);
      sentA.push({ spTransactionID: body.spTransactionID, id: res.body.uaePassTransactionID });
    }
    // One of A's is cancelled, so there are two statuses to filter on.
    expect((await a.post('/api/v1/consent/transaction/cancel', { spTransactionID: sentA[1].spTransactionID, spId: spA.clientId })).status).toBe(200);
    const bodyB = sendBody(spB, user);
    const resB = await new SpClient(gw, spB).send(bodyB);
    sentB = { spTransactionID: bodyB.spTransactionID, id: resB.body.uaePassTransactionID };
  });
  afterAll(async () => {
    await gw?.close();
  });

  describe('GET /admin/v1/transactions', () => {
    it('filters by SP and pages through every one exactly once, newest first', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: { status: number; body: any } = await adminCall(
          gw,
          'GET',
          `/admin/v1/transactions?spId=${spA.clientId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items.map((t: { uaePassTransactionID: string }) => t.uaePassTransactionID));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toEqual(sentA.map((t) => t.id).reverse());
    });

    it('filters by status, spTransactionID, uaePassTransactionID and time range', async () => {
      const cancelled = await adminCall(gw, 'GET', `/admin/v1/transactions?status=CANCELLED&spId=${spA.clientId}`);
      expect(cancelled.body.items.map((t: { spTransactionID: string }) => t.spTransactionID)).toEqual([sentA[1].spTransactionID]);
      expect(cancelled.body.items[0]).toMatchObject({
        spId: spA.clientId,
        status: 'CANCELLED',
        requestType: 'spToSp',
        idDocType: 'EMIRATES_ID',
        purpose: 'Opening a bank account',
      });

      const bySpTx = await adminCall(gw, 'GET', `/admin/v1/transactions?spTransactionID=${sentB.spTransactionID}`);
      expect(bySpTx.body.items.map((t: { uaePassTransactionID: string }) => t.uaePassTransactionID)).toEqual([sentB.id]);

      const byId = await adminCall(gw, 'GET', `/admin/v1/transactions?uaePassTransactionID=${sentA[3].id}`);
      expect(byId.body).toEqual({
        items: [expect.objectContaining({ uaePassTransactionID: sentA[3].id, spTransactionID: sentA[3].spTransactionID })],
        nextCursor: null,
      });

      const future = new Date(Date.now() + 3600_000).toISOString();
      const none = await adminCall(gw, 'GET', `/admin/v1/transactions?from=${future}`);
      expect(none.body).toEqual({ items: [], nextCursor: null });
      const past = new Date(Date.now() - 3600_000).toISOString();
      const all = await adminCall(gw, 'GET', `/admin/v1/transactions?from=${past}&to=${future}&limit=200`);
      expect(all.body.items).toHaveLength(6);
    });

    it('answers catalog codes for bad filters and cursors, never a 500', async () => {
      expectCatalogError(await adminCall(gw, 'GET', '/admin/v1/transactions?status=MAYBE'), 400, 'CONS_1000007');
      expectCatalogError(await adminCall(gw, 'GET', '/admin/v1/transactions?uaePassTransactionID=not-a-uuid'), 400, 'CONS_1000007');
      expectCatalogError(await adminCall(gw, 'GET', '/admin/v1/transactions?from=yesterday'), 400, 'CONS_1000007');
      expectCatalogError(await adminCall(gw, 'GET', '/admin/v1/transactions?limit=0'), 400, 'CONS_1000007');
      expectCatalogError(await adminCall(gw, 'GET', '/admin/v1/transactions?from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z'), 400, 'CONS_1000007');
      const forged = Buffer.from(JSON.stringify(["2025-01-01'; DROP TABLE x", 'x'])).toString('base64url');
      for (const cursor of ['%%%', 'bm90IGpzb24', forged]) {
        expectCatalogError(await adminCall(gw, 'GET', `/admin/v1/transactions?cursor=${cursor}`), 400, 'ADM_1000004');
      }
    });

    it('is for admins only', async () => {
      expectCatalogError(await http(`${gw.url}/admin/v1/transactions`), 401, 'SEC_1000042');
      const spToken = await clientToken(gw, spA.clientId, spA.clientSecret);
      expectCatalogError(
        await http(`${gw.url}/admin/v1/transactions`, { headers: { authorization: `Bearer ${spToken.body.access_token}` } }),
        403,
        'SEC_1000007',
      );
    });
  });

  describe('GET /admin/v1/transactions/{id}', () => {
    it('shows documents and the full event history, with the identifier masked', async () => {
      const res = await adminCall(gw, 'GET', `/admin/v1/transactions/${sentA[1].id}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ uaePassTransactionID: sentA[1].id, status: 'CANCELLED', spId: spA.clientId, hasReceipt: false, requestor: null });
      expect(res.body.events.map((e: { from: string | null; to: string }) => [e.from, e.to])).toEqual([
        [null, 'TRIGGERED'],
        ['TRIGGERED', 'CANCELLED'],
      ]);
      expect(res.body.documents).toEqual([expect.objectContaining({ position: 0, type: 'EMIRATES_ID', nameAr: 'الهوية الإماراتية', mustBeAccepted: false })]);
      expect(res.body.user.identifier).toBe(`784-****-*******-${user.emiratesId.slice(-1)}`);
      expect(res.body.outbox[0]).toMatchObject({ topic: 'push', jobId: `push-${res.body.outbox[0].eventId}` });
      expect(Array.isArray(res.body.notificationAttempts)).toBe(true);
      expect(Array.isArray(res.body.callbackAttempts)).toBe(true);
      expect(res.text).not.toContain(user.emiratesId.replace(/-/g, ''));
      expect(res.text).not.toContain(user.emiratesId);
    });

    it('never shows the requestor identifier or additionalInfo of a peerToPeer request', async () => {
      const other = await createUser(gw);
      const body = sendBody(spA, user, {
        requestType: 'peerToPeer',
        requestedById: undefined,
        requestor: { name: 'Ali', nameAr: 'علي', identifier: other.emiratesId, idType: 'EMIRATES_ID', additionalInfo: { note: 'very-private-note' } },
      });
      const sent = await new SpClient(gw, spA).send(body);
      expect(sent.status).toBe(201);
      const res = await adminCall(gw, 'GET', `/admin/v1/transactions/${sent.body.uaePassTransactionID}`);
      expect(res.body.requestor).toEqual({ name: 'Ali', nameAr: 'علي', idType: 'EMIRATES_ID' });
      expect(res.text).not.toContain('very-private-note');
      expect(res.text).not.toContain(other.emiratesId);
      expect(res.text).not.toContain(other.emiratesId.replace(/-/g, ''));
    });

    it('answers CONS_1000019 for an unknown or malformed id', async () => {
      expectCatalogError(await adminCall(gw, 'GET', '/admin/v1/transactions/00000000-0000-4000-8000-000000000000'), 404, 'CONS_1000019');
      expectCatalogError(await adminCall(gw, 'GET', '/admin/v1/transactions/nope'), 404, 'CONS_1000019');
    });
  });

  describe('GET /admin/v1/transactions/counts', () => {
    it('counts by status for a period, every status listed', async () => {
      const res = await adminCall(gw, 'GET', `/admin/v1/transactions/counts?spId=${spA.clientId}`);
      expect(res.status).toBe(200);
      expect(res.body.counts).toEqual({ TRIGGERED: 5, ACCEPTED: 0, REJECTED: 0, INIT_FAILED: 0, EXPIRED: 0, CANCELLED: 1, REVOKED: 0 });
      expect(res.body.total).toBe(6);
      const empty = await adminCall(gw, 'GET', '/admin/v1/transactions/counts?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z');
      expect(empty.body.total).toBe(0);
    });
  });

  describe('service providers', () => {
    it('lists and shows SPs without any secret', async () => {
      const list = await adminCall(gw, 'GET', '/admin/v1/service-providers?limit=1');
      expect(list.status).toBe(200);
      expect(list.body.items).toHaveLength(1);
      const page2 = await adminCall(gw, 'GET', `/admin/v1/service-providers?limit=1&cursor=${list.body.nextCursor}`);
      expect(page2.body.items[0].clientId > list.body.items[0].clientId).toBe(true);
      const one = await adminCall(gw, 'GET', `/admin/v1/service-providers/${spA.clientId}`);
      expect(one.body).toMatchObject({
        clientId: spA.clientId,
        callbackUrl: 'http://127.0.0.1:9/cb',
        hasCallbackApiKey: true,
        disabled: false,
        activeSigningSecrets: 1,
      });
      for (const secret of [spA.clientSecret, spA.signingSecret, 'cb-key-secret']) expect(one.text + list.text).not.toContain(secret);
      expectCatalogError(await adminCall(gw, 'GET', '/admin/v1/service-providers/no_such_sp'), 404, 'CONS_1000012');
    });

    it('changes the callback URL, API key and TTL, and the gateway uses them at once', async () => {
      const res = await adminCall(gw, 'PATCH', `/admin/v1/service-providers/${spB.clientId}`, {
        callbackUrl: 'http://127.0.0.1:9/new',
        callbackApiKey: 'k2-secret',
        consentTtlSeconds: 120,
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        callbackUrl: 'http://127.0.0.1:9/new',
        hasCallbackApiKey: true,
        consentTtlSeconds: 120,
        effectiveConsentTtlSeconds: 120,
      });
      expect(res.text).not.toContain('k2-secret');
      const body = sendBody(spB, user);
      const sent = await new SpClient(gw, spB).send(body);
      const { rows } = await gw.db.query(`SELECT extract(epoch FROM expires_at - created_at)::int AS ttl FROM consent_transactions WHERE id = $1`, [
        sent.body.uaePassTransactionID,
      ]);
      expect(rows[0].ttl).toBe(120);
      const cleared = await adminCall(gw, 'PATCH', `/admin/v1/service-providers/${spB.clientId}`, { callbackApiKey: null, consentTtlSeconds: null });
      expect(cleared.body).toMatchObject({ hasCallbackApiKey: false, consentTtlSeconds: null, callbackUrl: 'http://127.0.0.1:9/new' });
    });

    it('disables an SP at once: no more tokens, and a live token is refused', async () => {
      const sp = await onboardSp(gw);
      const client = new SpClient(gw, sp);
      expect((await client.status('warm-up')).status).toBe(404); // token fetched and SP cached
      const res = await adminCall(gw, 'PATCH', `/admin/v1/service-providers/${sp.clientId}`, { disabled: true });
      expect(res.body.disabled).toBe(true);
      expectCatalogError(await clientToken(gw, sp.clientId, sp.clientSecret), 401, 'OAUTH_1000001');
      expectCatalogError(await client.send(sendBody(sp, user)), 403, 'CONS_1000016');
      const { rows } = await gw.db.query(`SELECT count(*)::int AS n FROM consent_transactions WHERE sp_id = $1`, [sp.clientId]);
      expect(rows[0].n).toBe(0);
    });

    it('refuses bad changes with catalog codes and writes nothing', async () => {
      expectCatalogError(await adminCall(gw, 'PATCH', `/admin/v1/service-providers/${spA.clientId}`, { callbackUrl: 'ftp://x' }), 400, 'CONS_1000007');
      expectCatalogError(await adminCall(gw, 'PATCH', `/admin/v1/service-providers/${spA.clientId}`, { consentTtlSeconds: 1 }), 400, 'CONS_1000007');
      expectCatalogError(await adminCall(gw, 'PATCH', `/admin/v1/service-providers/${spA.clientId}`, { disabled: 'yes' }), 400, 'CONS_1000007');
      expectCatalogError(await adminCall(gw, 'PATCH', '/admin/v1/service-providers/no_such_sp', { disabled: true }), 404, 'CONS_1000012');
      const one = await adminCall(gw, 'GET', `/admin/v1/service-providers/${spA.clientId}`);
      expect(one.body).toMatchObject({ callbackUrl: 'http://127.0.0.1:9/cb', disabled: false, consentTtlSeconds: null });
    });
  });
});
