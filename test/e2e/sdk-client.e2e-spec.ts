import { CallbackVerificationError, MuwafaqaClient, MuwafaqaError, SendConsentRequest, verifyCallback } from '../../sdk/src';
import { connectAppDevice, AppDevice } from '../support/app-device';
import { createUser, decide, onboardSp, SpCredentials, TestUser, uniqueId, userToken } from '../support/clients';
import { CallbackReceiver } from '../support/fakes/callback-receiver';
import { Gateway, startGateway } from '../support/gateway';

function request(user: TestUser, sp: SpCredentials, spTransactionID = uniqueId('sdk')): SendConsentRequest {
  return {
    identifier: user.emiratesId,
    idDocType: 'EMIRATES_ID',
    requestedById: sp.clientId,
    spTransactionID,
    purpose: 'Opening a bank account',
    purposeAr: 'فتح حساب مصرفي',
    requestType: 'spToSp',
    content: {
      documents: [
        {
          name: 'Emirates ID',
          nameAr: 'الهوية الإماراتية',
          type: 'EMIRATES_ID',
          typeAr: 'الهوية',
          metadata: [{ displayName: 'Full name', displayNameAr: 'الاسم الكامل' }],
        },
      ],
    },
  };
}

describe('SP SDK against a live gateway', () => {
  let gw: Gateway;
  let receiver: CallbackReceiver;
  let sp: SpCredentials;
  let user: TestUser;
  let token: string;
  let device: AppDevice;
  let client: MuwafaqaClient;
  const calls: string[] = [];

  beforeAll(async () => {
    gw = await startGateway();
    receiver = await new CallbackReceiver().start();
    sp = await onboardSp(gw, { callbackUrl: receiver.url, callbackApiKey: 'sdk-callback-key' });
    user = await createUser(gw);
    token = await userToken(gw, user.id);
    device = await connectAppDevice(gw, token);
    client = new MuwafaqaClient({
      baseUrl: gw.url,
      clientId: sp.clientId,
      clientSecret: sp.clientSecret,
      signingSecret: sp.signingSecret,
      fetch: (input, init) => {
        calls.push(new URL(String(input)).pathname);
        return fetch(input, init);
      },
    });
  });
  afterAll(async () => {
    device?.close();
    await receiver?.stop();
    await gw?.close();
  });

  it('sends, validates and reads status, fetching the token once', async () => {
    const req = request(user, sp);
    const validated = await client.validate(req);
    expect(validated).toEqual({ valid: true, uaePassTransactionID: null, transactionStatus: 'TRIGGERED', spTransactionID: req.spTransactionID });
    const sent = await client.send(req);
    expect(sent).toEqual({ uaePassTransactionID: expect.any(String), transactionStatus: 'TRIGGERED', spTransactionID: req.spTransactionID });
    expect(await client.status(req.spTransactionID)).toEqual({
      uaePassTransactionID: sent.uaePassTransactionID,
      spTransactionID: req.spTransactionID,
      status: 'TRIGGERED',
    });
    expect(calls.filter((p) => p === '/oauth2/token')).toHaveLength(1);
    expect(calls.filter((p) => p.startsWith('/api/v1/'))).toHaveLength(3);
  });

  it('throws MuwafaqaError with the catalog code, both languages and the request id', async () => {
    const req = request(user, sp);
    await client.send(req);
    const err = await client.send(req).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MuwafaqaError);
    expect(err).toMatchObject({
      status: 409,
      code: 'CONS_1000001',
      desc: { en: 'Transaction already exists.', ar: 'المعاملة موجودة بالفعل.' },
      requestId: expect.any(String),
    });
    await expect(client.status('no-such-transaction')).rejects.toMatchObject({ status: 404, code: 'CONS_1000010' });
    const stranger = new MuwafaqaClient({ baseUrl: gw.url, clientId: sp.clientId, clientSecret: 'wrong-secret', signingSecret: sp.signingSecret });
    await expect(stranger.status('x')).rejects.toMatchObject({ status: 401, code: 'OAUTH_1000001' });
  });

  it('cancels a pending request; a second cancel names its status', async () => {
    const req = request(user, sp);
    const sent = await client.send(req);
    expect(await client.cancel(req.spTransactionID)).toEqual({
      uaePassTransactionID: sent.uaePassTransactionID,
      spTransactionID: req.spTransactionID,
      status: 'CANCELLED',
    });
    await expect(client.cancel(req.spTransactionID)).rejects.toMatchObject({ code: 'CONS_1000011', desc: { en: expect.stringContaining('[CANCELLED]') } });
  });

  it('verifies the callback of an accepted request and refuses tampered ones', async () => {
    const req = request(user, sp);
    const sent = await client.send(req);
    expect((await decide(gw, token, sent.uaePassTransactionID, { accept: true })).status).toBe(200);
    const cb = await receiver.waitFor((c) => c.body.uaePassTransactionID === sent.uaePassTransactionID, 10_000);
    const incoming = { headers: cb.headers, rawBody: cb.rawBody, path: cb.path };
    const opts = { signingSecret: sp.signingSecret, apiKey: 'sdk-callback-key' };
    expect(verifyCallback(incoming, opts)).toEqual({
      spTransactionID: req.spTransactionID,
      status: 'ACCEPTED',
      uaePassTransactionID: sent.uaePassTransactionID,
    });
    expect((await client.waitForDecision(req.spTransactionID, { timeoutMs: 5000, intervalMs: 50 })).status).toBe('ACCEPTED');

    const reason = (fn: () => unknown) => {
      try {
        fn();
        return 'accepted';
      } catch (e) {
        return e instanceof CallbackVerificationError ? e.reason : String(e);
      }
    };
    expect(reason(() => verifyCallback({ ...incoming, rawBody: cb.rawBody.replace('ACCEPTED', 'REJECTED') }, opts))).toBe('signature');
    expect(reason(() => verifyCallback({ ...incoming, path: '/other/callback' }, opts))).toBe('signature');
    expect(reason(() => verifyCallback(incoming, { ...opts, signingSecret: 'not-the-secret' }))).toBe('signature');
    expect(reason(() => verifyCallback({ ...incoming, headers: { ...cb.headers, 'x-api-key': 'guess' } }, opts))).toBe('api_key');
    expect(reason(() => verifyCallback(incoming, { ...opts, now: Number(cb.headers['x-timestamp']) + 301_000 }))).toBe('timestamp');
    expect(reason(() => verifyCallback({ ...incoming, headers: { ...cb.headers, 'x-uaepass-signature': undefined } }, opts))).toBe('missing_header');
    // During a rotation the SP may hold two secrets: the newest one signed.
    expect(verifyCallback(incoming, { ...opts, signingSecret: ['old-secret', sp.signingSecret] }).status).toBe('ACCEPTED');
  });
});
