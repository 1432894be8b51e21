import { consentRowCounts } from '../support/consent-rows';
import { createUser, decide, expectCatalogError, http, sendBody, SpClient, SpCredentials, startWithSpAndUser, TestUser, userToken } from '../support/clients';
import { Gateway } from '../support/gateway';

/** Malformed nested input on the user's side: a coded 400, never a 500, nothing written. */
describe('POST /app/v1/consents/{id}/decision with malformed documents', () => {
  let gw: Gateway;
  let sp: SpCredentials;
  let client: SpClient;
  let user: TestUser;
  let token: string;
  let id: string;

  beforeAll(async () => {
    ({ gw, sp, client, user } = await startWithSpAndUser({ WORKERS_IN_PROCESS: 'false' }));
    token = await userToken(gw, user.id);
    id = (await client.send(sendBody(sp, user))).body.uaePassTransactionID;
  });
  afterAll(async () => {
    await gw?.close();
  });

  it.each([[[[]]], [[null]], [[1]], [['EMIRATES_ID']], [[[{ type: 'EMIRATES_ID', accept: true }]]], [[true, {}]]])(
    'answers 400 with a catalog code to documents: %j, deciding nothing',
    async (documents) => {
      const before = await consentRowCounts(gw);
      const res = await decide(gw, token, id, { accept: true, documents });
      expectCatalogError(res, 400, res.body.code);
      expect(res.body.code).toMatch(/^(CONS|REQ)_/);
      expect(res.body.desc.en).toContain('documents');
      expect(await consentRowCounts(gw)).toEqual(before);
      const { rows } = await gw.db.query(`SELECT status FROM consent_transactions WHERE id = $1`, [id]);
      expect(rows[0].status).toBe('TRIGGERED');
    },
  );

  it('still takes a well-formed per-document decision', async () => {
    const other = await createUser(gw);
    const otherToken = await userToken(gw, other.id);
    const tx = (await client.send(sendBody(sp, other))).body.uaePassTransactionID;
    const res = await decide(gw, otherToken, tx, { accept: true, documents: [{ type: 'EMIRATES_ID', accept: true }] });
    expect(res.status).toBe(200);
  });
});

describe('POST /app/v1/devices with a Web Push subscription', () => {
  let gw: Gateway;
  let token: string;

  beforeAll(async () => {
    let user: TestUser;
    ({ gw, user } = await startWithSpAndUser({ WORKERS_IN_PROCESS: 'false' }));
    token = await userToken(gw, user.id);
  });
  afterAll(async () => {
    await gw?.close();
  });

  const register = (endpoint: string) =>
    http(`${gw.url}/app/v1/devices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ platform: 'webpush', pushToken: JSON.stringify({ endpoint, keys: { p256dh: 'BNc', auth: 'tBH' } }) }),
    });
  const devices = async () => (await gw.db.query(`SELECT count(*)::int AS n FROM devices`)).rows[0].n;

  it.each([
    'https://127.0.0.1:6379/',
    'http://fcm.googleapis.com/fcm/send/x',
    'https://169.254.169.254/latest/meta-data',
    'https://attacker.example/push',
    'https://fcm.googleapis.com:22/x',
  ])('refuses the endpoint %s with NTF_1000002, registering nothing', async (endpoint) => {
    const before = await devices();
    const res = await register(endpoint);
    expectCatalogError(res, 400, 'NTF_1000002');
    expect(res.body.desc).toEqual({
      en: 'Invalid device registration: the webpush endpoint must be an https URL of a known push service.',
      ar: 'تسجيل الجهاز غير صالح: يجب أن يكون عنوان webpush رابط https لخدمة إشعارات معروفة.',
    });
    expect(await devices()).toBe(before);
  });

  it('registers an endpoint of a known push service', async () => {
    expect((await register('https://fcm.googleapis.com/fcm/send/abc:def')).status).toBe(201);
  });
});
