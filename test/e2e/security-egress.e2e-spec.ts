import { AppDevice, connectAppDevice } from '../support/app-device';
import { adminCall, createUser, decide, eventually, expectCatalogError, onboardSp, sendBody, SpClient, uniqueId, userToken } from '../support/clients';
import { CallbackReceiver } from '../support/fakes/callback-receiver';
import { Gateway, startGateway } from '../support/gateway';

/** SSRF through callbackUrl: the egress policy with EGRESS_ALLOW_PRIVATE=false, as in production. */
describe('egress policy for SP callbacks', () => {
  let gw: Gateway;
  let receiver: CallbackReceiver;
  const devices: AppDevice[] = [];

  beforeAll(async () => {
    receiver = await new CallbackReceiver().start();
    gw = await startGateway({ EGRESS_ALLOW_PRIVATE: 'false', CALLBACK_ATTEMPTS: '1' });
  });
  afterAll(async () => {
    devices.forEach((d) => d.close());
    await gw?.close();
    await receiver?.stop();
  });

  const spCount = async () => (await gw.db.query(`SELECT count(*)::int AS n FROM service_providers`)).rows[0].n;

  it.each([
    ['the cloud metadata address', 'http://169.254.169.254/latest/meta-data/', 'the destination is a private, loopback or link-local address'],
    ['loopback', 'http://127.0.0.1:6379/', 'the destination is a private, loopback or link-local address'],
    ['IPv6 loopback', 'http://[::1]:5432/', 'the destination is a private, loopback or link-local address'],
    ['a private range', 'http://10.0.0.8/cb', 'the destination is a private, loopback or link-local address'],
    ['CGNAT', 'http://100.64.1.1/cb', 'the destination is a private, loopback or link-local address'],
    ['a name resolving to loopback', 'http://localhost:3000/cb', 'the destination is a private, loopback or link-local address'],
    ['credentials in the URL', 'https://admin:s3cr3t-pw@sp.example/cb', 'credentials in the URL are not accepted'],
  ])('refuses at onboarding a callbackUrl to %s with ADM_1000050, creating nothing', async (_what, callbackUrl, reason) => {
    const before = await spCount();
    const res = await adminCall(gw, 'POST', '/admin/v1/service-providers', { clientId: uniqueId('ssrf'), name: 'SP', nameAr: 'مزود', callbackUrl });
    expectCatalogError(res, 400, 'ADM_1000050');
    expect(res.body.desc.en).toBe(`callbackUrl is not allowed: ${reason}.`);
    expect(res.body.desc.ar).toMatch(/^رابط الاستدعاء callbackUrl غير مسموح: .+\.$/);
    expect(res.text).not.toContain('s3cr3t-pw');
    expect(await spCount()).toBe(before);
  });

  it('refuses the same on an SP update, changing nothing', async () => {
    const sp = await onboardSp(gw, { callbackUrl: 'https://sp.example/cb' });
    const res = await adminCall(gw, 'PATCH', `/admin/v1/service-providers/${sp.clientId}`, { callbackUrl: 'http://169.254.169.254/' });
    expectCatalogError(res, 400, 'ADM_1000050');
    const row = await gw.db.query(`SELECT callback_url FROM service_providers WHERE client_id = $1`, [sp.clientId]);
    expect(row.rows[0].callback_url).toBe('https://sp.example/cb');
  });

  it('checks again at delivery: a stored URL that now points inside is a failed attempt with a generic message, nothing sent', async () => {
    // As if DNS changed after onboarding, or the row predates the policy.
    const sp = await onboardSp(gw);
    await gw.db.query(`UPDATE service_providers SET callback_url = $2 WHERE client_id = $1`, [sp.clientId, receiver.url]);
    const user = await createUser(gw);
    const token = await userToken(gw, user.id);
    devices.push(await connectAppDevice(gw, token));
    const sent = await new SpClient(gw, sp).send(sendBody(sp, user));
    const id: string = sent.body.uaePassTransactionID;
    expect((await decide(gw, token, id, { accept: true })).body.status).toBe('ACCEPTED');
    const attempt = await eventually(
      async () => (await gw.db.query(`SELECT delivered, status_code, error FROM callback_attempts WHERE transaction_id = $1`, [id])).rows[0],
    );
    expect(attempt).toEqual({ delivered: false, status_code: null, error: 'destination refused by the egress policy' });
    expect(receiver.received).toHaveLength(0);
  });

  it('never displays credentials of a stored URL to operators', async () => {
    const sp = await onboardSp(gw);
    await gw.db.query(`UPDATE service_providers SET callback_url = 'https://user:hunter2-pw@sp.example/cb' WHERE client_id = $1`, [sp.clientId]);
    const res = await adminCall(gw, 'GET', `/admin/v1/service-providers/${sp.clientId}`);
    expect(res.body.callbackUrl).toBe('https://sp.example/cb');
    expect(res.text).not.toContain('hunter2-pw');
  });
});
