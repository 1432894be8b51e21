import { ADMIN_ID, Gateway, startGateway } from '../support/gateway';
import { adminCall, adminToken, createUser, expectCatalogError, http, onboardSp, sendBody, SpClient, userToken } from '../support/clients';

describe('access audit: every operator read of a transaction is recorded (GET /admin/v1/privacy/access-log)', () => {
  let gw: Gateway;
  let txId: string;
  let token: string;

  const adminGet = async (path: string, headers: Record<string, string> = {}) =>
    http(`${gw.url}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
  const logRows = async () => (await gw.db.query(`SELECT actor, subject_type, subject_id, action, reason FROM access_log ORDER BY id`)).rows;

  beforeAll(async () => {
    gw = await startGateway();
    const sp = await onboardSp(gw);
    const user = await createUser(gw);
    const sent = await new SpClient(gw, sp).send(sendBody(sp, user));
    expect(sent.status).toBe(201);
    txId = sent.body.uaePassTransactionID;
    token = await adminToken(gw);
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('records who read which transaction, when and why (X-Access-Reason)', async () => {
    const res = await adminGet(`/admin/v1/transactions/${txId}`, { 'x-access-reason': 'Ticket 4711: user asks why the bank saw her ID' });
    expect(res.status).toBe(200);
    expect(await logRows()).toEqual([
      {
        actor: `admin:${ADMIN_ID}`,
        subject_type: 'transaction',
        subject_id: txId,
        action: 'GET /admin/v1/transactions/:uaePassTransactionID',
        reason: 'Ticket 4711: user asks why the bank saw her ID',
      },
    ]);
  });

  it('records listings too, with the transaction filtered on when there is one', async () => {
    expect((await adminGet('/admin/v1/transactions')).status).toBe(200);
    expect((await adminGet(`/admin/v1/transactions?uaePassTransactionID=${txId}`, { 'x-access-reason': 'audit' })).status).toBe(200);
    const rows = await logRows();
    expect(rows.slice(-2)).toEqual([
      { actor: `admin:${ADMIN_ID}`, subject_type: 'transaction', subject_id: null, action: 'GET /admin/v1/transactions', reason: null },
      { actor: `admin:${ADMIN_ID}`, subject_type: 'transaction', subject_id: txId, action: 'GET /admin/v1/transactions', reason: 'audit' },
    ]);
  });

  it('records nothing for a read that disclosed nothing (unknown transaction)', async () => {
    const count = (await logRows()).length;
    const res = await adminGet('/admin/v1/transactions/00000000-0000-4000-8000-00000000dead');
    expect(res.status).toBe(404);
    expect(await logRows()).toHaveLength(count);
  });

  it('refuses an over-long reason with PRV_1000001, reading and recording nothing', async () => {
    const count = (await logRows()).length;
    const long = await adminGet(`/admin/v1/transactions/${txId}`, { 'x-access-reason': 'x'.repeat(501) });
    expectCatalogError(long, 400, 'PRV_1000001');
    expect(long.body.desc.en).toBe('X-Access-Reason is invalid: one line of at most 500 characters.');
    expect(long.body.desc.ar).toContain('500');
    expect(long.body.uaePassTransactionID).toBeUndefined();
    expect(await logRows()).toHaveLength(count);
  });

  it('lists the log newest first, filtered and paged', async () => {
    const all = await adminCall(gw, 'GET', '/admin/v1/privacy/access-log');
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(3);
    expect(all.body.items[0]).toEqual({
      id: expect.any(String),
      at: expect.any(String),
      actor: `admin:${ADMIN_ID}`,
      subjectType: 'transaction',
      subjectId: txId,
      action: 'GET /admin/v1/transactions',
      reason: 'audit',
      requestId: expect.any(String),
    });
    const filtered = await adminCall(gw, 'GET', `/admin/v1/privacy/access-log?subjectId=${txId}`);
    expect(filtered.body.items.map((i: { reason: string }) => i.reason)).toEqual(['audit', 'Ticket 4711: user asks why the bank saw her ID']);
    const page1 = await adminCall(gw, 'GET', '/admin/v1/privacy/access-log?limit=2');
    expect(page1.body.items).toHaveLength(2);
    const page2 = await adminCall(gw, 'GET', `/admin/v1/privacy/access-log?limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body).toEqual({ items: [all.body.items[2]], nextCursor: null });
    expectCatalogError(await adminCall(gw, 'GET', '/admin/v1/privacy/access-log?subjectType=device'), 400, 'CONS_1000007');
    expectCatalogError(await adminCall(gw, 'GET', '/admin/v1/privacy/access-log?cursor=abc'), 400, 'CONS_1000007');
  });

  it('is append-only: the database refuses UPDATE, DELETE and TRUNCATE', async () => {
    await expect(gw.db.query(`UPDATE access_log SET reason = 'nothing to see'`)).rejects.toThrow(/append-only/);
    await expect(gw.db.query(`DELETE FROM access_log`)).rejects.toThrow(/append-only/);
    await expect(gw.db.query(`TRUNCATE access_log`)).rejects.toThrow(/append-only/);
    expect((await logRows()).length).toBe(3);
  });

  it('is visible to operators only', async () => {
    const user = await createUser(gw);
    const res = await http(`${gw.url}/admin/v1/privacy/access-log`, { headers: { authorization: `Bearer ${await userToken(gw, user.id)}` } });
    expectCatalogError(res, 403, 'SEC_1000007');
  });
});
