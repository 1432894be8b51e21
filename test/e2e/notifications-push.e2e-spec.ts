import { randomBytes } from 'node:crypto';
import { DeviceRegistry } from '../../src/notifications/device-registry.service';
import { connectAppDevice } from '../support/app-device';
import { createUser, eventually, expectCatalogError, http, onboardSp, sendBody, SpClient, SpCredentials, TestUser, userToken } from '../support/clients';
import { APNS_TOPIC, FakeApns } from '../support/fakes/fake-apns';
import { FakeFcm } from '../support/fakes/fake-fcm';
import { Gateway, startGateway } from '../support/gateway';

const apnsToken = () => randomBytes(32).toString('hex');
const fcmToken = () => `fcm-${randomBytes(20).toString('base64url')}`;

describe('push notifications: outbox → BullMQ → FCM, APNs, SSE', () => {
  let gw: Gateway;
  let fcm: FakeFcm;
  let apns: FakeApns;
  let sp: SpCredentials;
  let client: SpClient;
  let devices: DeviceRegistry;

  beforeAll(async () => {
    fcm = await new FakeFcm().start();
    apns = await new FakeApns().start();
    gw = await startGateway({ ...fcm.env(), ...apns.env(), PUSH_ATTEMPTS: '3', BACKOFF_BASE_MS: '20' });
    sp = await onboardSp(gw, { name: 'Emirates NBD', nameAr: 'بنك الإمارات دبي الوطني' });
    client = new SpClient(gw, sp);
    devices = gw.app.get(DeviceRegistry);
  });
  afterAll(async () => {
    await gw?.close();
    await fcm?.stop();
    await apns?.stop();
  });

  async function send(user: TestUser): Promise<string> {
    const res = await client.send(sendBody(sp, user));
    expect(res.status).toBe(201);
    return res.body.uaePassTransactionID;
  }

  const attempts = async (txId: string) =>
    (
      await gw.db.query(`SELECT device_id, platform, attempt, outcome, status_code, detail FROM notification_attempts WHERE transaction_id = $1 ORDER BY id`, [
        txId,
      ])
    ).rows;
  const statusOf = async (txId: string) => (await gw.db.query(`SELECT status FROM consent_transactions WHERE id = $1`, [txId])).rows[0].status;

  it("sends exactly one well-formed push to each of the user's two devices (FCM in English, APNs in Arabic)", async () => {
    const user = await createUser(gw);
    const android = await devices.register(user.id, { platform: 'fcm', pushToken: fcmToken(), locale: 'en' });
    const iphone = await devices.register(user.id, { platform: 'apns', pushToken: apnsToken(), locale: 'ar' });
    const txId = await send(user);

    await eventually(
      async () => fcm.sends.some((s) => s.message.token === android.pushToken) && apns.pushes.some((p) => p.deviceToken === iphone.pushToken),
      1000,
      'both pushes',
    );
    await eventually(async () => (await attempts(txId)).length === 2, 2000, 'attempt rows');
    const toAndroid = fcm.sends.filter((s) => s.message.token === android.pushToken);
    const toIphone = apns.pushes.filter((p) => p.deviceToken === iphone.pushToken);
    expect(toAndroid).toHaveLength(1);
    expect(toIphone).toHaveLength(1);

    expect(toAndroid[0].message).toEqual({
      token: android.pushToken,
      notification: { title: 'Consent request from Emirates NBD', body: 'Emirates NBD asks you to share your documents for: Opening a bank account' },
      data: { uaePassTransactionID: txId },
      android: { priority: 'HIGH', collapse_key: txId },
      apns: { headers: { 'apns-collapse-id': txId, 'apns-priority': '10' } },
    });
    expect(toIphone[0].headers).toMatchObject({ 'apns-topic': APNS_TOPIC, 'apns-push-type': 'alert', 'apns-collapse-id': txId, 'apns-priority': '10' });
    expect(toIphone[0].payload).toEqual({
      aps: {
        alert: { title: 'طلب موافقة من بنك الإمارات دبي الوطني', body: 'يطلب بنك الإمارات دبي الوطني موافقتك على مشاركة مستنداتك لغرض: فتح حساب مصرفي' },
        sound: 'default',
      },
      uaePassTransactionID: txId,
    });
    // No personal identifier on the wire: not the Emirates ID, not the user's name or id.
    for (const raw of [toAndroid[0].rawBody, toIphone[0].rawBody]) {
      expect(raw).not.toContain(user.emiratesId);
      expect(raw).not.toContain(user.emiratesId.replace(/-/g, ''));
      expect(raw).not.toContain(user.id);
      expect(raw).not.toContain('Fatima');
    }
    expect((await attempts(txId)).map((a) => [a.platform, a.attempt, a.outcome, a.status_code]).sort()).toEqual([
      ['apns', 1, 'delivered', 200],
      ['fcm', 1, 'delivered', 200],
    ]);
    expect(await statusOf(txId)).toBe('TRIGGERED');
    // The provider token is fetched once and reused.
    expect(fcm.tokenRequests).toBe(1);
  });

  it('retries a device whose provider fails twice, then delivers: three attempts, one delivery', async () => {
    const user = await createUser(gw);
    const device = await devices.register(user.id, { platform: 'fcm', pushToken: fcmToken() });
    fcm.answer = (token, n) => (token === device.pushToken && n < 2 ? 'unavailable' : 'ok');
    const txId = await send(user);

    const rows = await eventually(
      async () => {
        const r = await attempts(txId);
        return r.length === 3 && r;
      },
      5000,
      'three attempts',
    );
    expect(rows.map((a) => [a.attempt, a.outcome, a.status_code, a.detail])).toEqual([
      [1, 'retry', 503, 'UNAVAILABLE'],
      [2, 'retry', 503, 'UNAVAILABLE'],
      [3, 'delivered', 200, null],
    ]);
    expect(fcm.delivered().filter((s) => s.message.token === device.pushToken)).toHaveLength(1);
    expect(await statusOf(txId)).toBe('TRIGGERED');
  });

  it('moves the transaction to INIT_FAILED and queues the SP callback when a device fails on every attempt', async () => {
    const user = await createUser(gw);
    const device = await devices.register(user.id, { platform: 'apns', pushToken: apnsToken() });
    apns.answer = (token) => (token === device.pushToken ? 'unavailable' : 'ok');
    const txId = await send(user);

    await eventually(async () => (await statusOf(txId)) === 'INIT_FAILED', 5000, 'INIT_FAILED');
    expect((await attempts(txId)).map((a) => [a.attempt, a.outcome, a.status_code, a.detail])).toEqual([
      [1, 'retry', 503, 'ServiceUnavailable'],
      [2, 'retry', 503, 'ServiceUnavailable'],
      [3, 'retry', 503, 'ServiceUnavailable'],
    ]);
    const callbacks = (await gw.db.query(`SELECT payload FROM outbox WHERE transaction_id = $1 AND topic = 'callback'`, [txId])).rows;
    expect(callbacks).toEqual([{ payload: { status: 'INIT_FAILED' } }]);
    const events = (await gw.db.query(`SELECT from_status, to_status, actor FROM consent_events WHERE transaction_id = $1 ORDER BY id`, [txId])).rows;
    expect(events.at(-1)).toEqual({ from_status: 'TRIGGERED', to_status: 'INIT_FAILED', actor: 'system:push' });
    // The device itself stays: a transient failure is no reason to forget it.
    expect((await devices.list(user.id)).map((d) => d.id)).toEqual([device.id]);
    // The job is kept in the failed set for operators.
    const { Queue } = await import('bullmq');
    const queue = new Queue('push-notifications', { connection: { url: gw.config.redisUrl } as never, prefix: `{${gw.config.redisPrefix}}` });
    const failed = await queue.getFailed();
    await queue.close();
    expect(failed.map((j) => j.data.transactionId)).toContain(txId);
  });

  it('removes devices FCM answers UNREGISTERED and APNs answers 410 Unregistered; with none left the request is INIT_FAILED at once', async () => {
    const user = await createUser(gw);
    const gone1 = await devices.register(user.id, { platform: 'fcm', pushToken: fcmToken() });
    const gone2 = await devices.register(user.id, { platform: 'apns', pushToken: apnsToken() });
    fcm.answer = (token) => (token === gone1.pushToken ? 'unregistered' : 'ok');
    apns.answer = (token) => (token === gone2.pushToken ? 'unregistered' : 'ok');
    const txId = await send(user);

    await eventually(async () => (await statusOf(txId)) === 'INIT_FAILED', 3000, 'INIT_FAILED');
    expect((await attempts(txId)).map((a) => [a.platform, a.attempt, a.outcome, a.status_code, a.detail]).sort()).toEqual([
      ['apns', 1, 'unregistered', 410, 'Unregistered'],
      ['fcm', 1, 'unregistered', 404, 'UNREGISTERED'],
    ]);
    expect(await devices.list(user.id)).toEqual([]);
  });

  it('delivers to the devices still registered when another one is unregistered', async () => {
    const user = await createUser(gw);
    const gone = await devices.register(user.id, { platform: 'fcm', pushToken: fcmToken() });
    const kept = await devices.register(user.id, { platform: 'apns', pushToken: apnsToken() });
    fcm.answer = (token) => (token === gone.pushToken ? 'unregistered' : 'ok');
    const txId = await send(user);
    await eventually(async () => (await attempts(txId)).length === 2, 3000, 'attempts');
    expect((await devices.list(user.id)).map((d) => d.id)).toEqual([kept.id]);
    expect(apns.delivered().filter((p) => p.deviceToken === kept.pushToken)).toHaveLength(1);
    expect(await statusOf(txId)).toBe('TRIGGERED');
  });

  it('moves the request of a user with no device to INIT_FAILED', async () => {
    const user = await createUser(gw);
    const txId = await send(user);
    await eventually(async () => (await statusOf(txId)) === 'INIT_FAILED', 3000, 'INIT_FAILED');
    expect(await attempts(txId)).toEqual([]);
  });

  describe('GET /app/v1/events (SSE)', () => {
    it("streams a consent-request event to the reference app, in the device's language", async () => {
      const user = await createUser(gw);
      const token = await userToken(gw, user.id);
      const app = await connectAppDevice(gw, token, 'ar');
      try {
        const txId = await send(user);
        await eventually(async () => app.events.length > 0, 1000, 'sse event');
        expect(app.events).toEqual([
          {
            uaePassTransactionID: txId,
            title: 'طلب موافقة من بنك الإمارات دبي الوطني',
            body: 'يطلب بنك الإمارات دبي الوطني موافقتك على مشاركة مستنداتك لغرض: فتح حساب مصرفي',
            lang: 'ar',
          },
        ]);
        await eventually(async () => (await attempts(txId)).some((a) => a.outcome === 'delivered'), 1000, 'attempt row');
      } finally {
        app.close();
      }
    });

    it('answers text/event-stream with a ready event first', async () => {
      const user = await createUser(gw);
      const token = await userToken(gw, user.id);
      const device = await devices.register(user.id, { platform: 'sse', pushToken: 'browser-1' });
      const abort = new AbortController();
      const res = await fetch(`${gw.url}/app/v1/events?access_token=${token}&deviceId=${device.id}`, { signal: abort.signal });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      const first = new TextDecoder().decode((await res.body!.getReader().read()).value);
      expect(first).toBe(`retry: 3000\nevent: ready\ndata: {"deviceId":"${device.id}"}\n\n`);
      abort.abort();
    });

    it("refuses a missing or invalid token (SEC_1000001), a non-user token (SEC_1000007) and another user's device (NTF_1000001)", async () => {
      const alice = await createUser(gw);
      const bob = await createUser(gw);
      const aliceToken = await userToken(gw, alice.id);
      const bobsDevice = await devices.register(bob.id, { platform: 'sse', pushToken: 'bob-browser' });
      expectCatalogError(await http(`${gw.url}/app/v1/events?deviceId=${bobsDevice.id}`), 401, 'SEC_1000001');
      expectCatalogError(await http(`${gw.url}/app/v1/events?access_token=not-a-jwt&deviceId=${bobsDevice.id}`), 401, 'SEC_1000001');
      const { access_token: spToken } = await client.tokenPair();
      expectCatalogError(await http(`${gw.url}/app/v1/events?access_token=${spToken}&deviceId=${bobsDevice.id}`), 403, 'SEC_1000007');
      expectCatalogError(await http(`${gw.url}/app/v1/events?access_token=${aliceToken}&deviceId=${bobsDevice.id}`), 404, 'NTF_1000001');
      expectCatalogError(await http(`${gw.url}/app/v1/events?access_token=${aliceToken}&deviceId=nope`), 404, 'NTF_1000001');
      expectCatalogError(await http(`${gw.url}/app/v1/events?access_token=${aliceToken}`), 404, 'NTF_1000001');
    });
  });

  describe('DeviceRegistry', () => {
    it("registers idempotently on (user, platform, token), lists and unregisters only the owner's devices", async () => {
      const alice = await createUser(gw);
      const bob = await createUser(gw);
      const token = fcmToken();
      const first = await devices.register(alice.id, { platform: 'fcm', pushToken: token });
      const again = await devices.register(alice.id, { platform: 'fcm', pushToken: token, locale: 'ar' });
      expect(again).toMatchObject({ id: first.id, locale: 'ar' });
      expect((await devices.list(alice.id)).map((d) => d.id)).toEqual([first.id]);
      await expect(devices.unregister(bob.id, first.id)).rejects.toMatchObject({ code: 'NTF_1000001' });
      await devices.unregister(alice.id, first.id);
      expect(await devices.list(alice.id)).toEqual([]);
    });

    it('refuses a bad platform, an empty token, a bad locale and a malformed web push subscription with NTF_1000002, writing nothing', async () => {
      const user = await createUser(gw);
      for (const reg of [
        { platform: 'sms', pushToken: 'x' },
        { platform: 'fcm', pushToken: '' },
        { platform: 'fcm', pushToken: 'x', locale: 'fr' },
        { platform: 'webpush', pushToken: 'not json' },
        { platform: 'fcm', pushToken: 'x'.repeat(5000) },
      ]) {
        await expect(devices.register(user.id, reg as never)).rejects.toMatchObject({ code: 'NTF_1000002' });
      }
      expect(await devices.list(user.id)).toEqual([]);
    });
  });
});

describe('Bull Board at /admin/queues', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('answers SEC_1000001 without a token and SEC_1000007 for a user token', async () => {
    expectCatalogError(await http(`${gw.url}/admin/queues`), 401, 'SEC_1000001');
    expectCatalogError(await http(`${gw.url}/admin/queues/api/queues`), 401, 'SEC_1000001');
    const user = await createUser(gw);
    const token = await userToken(gw, user.id);
    expectCatalogError(await http(`${gw.url}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${token}` } }), 403, 'SEC_1000007');
  });

  it('shows both queues to an admin (Bearer), and lets a browser in with a one-time query token turned into a cookie', async () => {
    const { adminToken } = await import('../support/clients');
    const token = await adminToken(gw);
    const api = await http(`${gw.url}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${token}` } });
    expect(api.status).toBe(200);
    expect(api.body.queues.map((q: { name: string }) => q.name).sort()).toEqual(['push-notifications', 'sp-callbacks']);
    const entry = await fetch(`${gw.url}/admin/queues?access_token=${token}`, { redirect: 'manual' });
    expect(entry.status).toBe(303);
    expect(entry.headers.get('location')).toBe('/admin/queues');
    const cookie = entry.headers.get('set-cookie')!.split(';')[0];
    const page = await http(`${gw.url}/admin/queues`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
  });

  it('is read-only: adding, editing, promoting, retrying, cleaning, emptying, obliterating or pausing answers OPS_1000030 and changes no job', async () => {
    const { adminToken } = await import('../support/clients');
    const { Queue } = await import('bullmq');
    const token = await adminToken(gw);
    const queue = new Queue('sp-callbacks', { connection: { url: gw.config.redisUrl } as never, prefix: `{${gw.config.redisPrefix}}` });
    const job = await queue.add('callback', { eventId: 'x' }, { jobId: 'board-test', delay: 60_000 });
    const call = (method: string, path: string, body?: unknown) =>
      http(`${gw.url}/admin/queues/api/queues/sp-callbacks${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
    try {
      for (const [method, path, body] of [
        ['POST', '/add', { name: 'callback', data: { status: 'ACCEPTED' } }],
        ['PATCH', `/${job.id}/update-data`, { status: 'ACCEPTED' }],
        ['PATCH', `/${job.id}/delay`, { delay: 0 }],
        ['PUT', `/${job.id}/promote`],
        ['PUT', `/${job.id}/clean`],
        ['PUT', `/${job.id}/retry`],
        ['PUT', '/promote'],
        ['PUT', '/retry/failed'],
        ['PUT', '/clean/delayed'],
        ['PUT', '/empty'],
        ['PUT', '/obliterate'],
        ['PUT', '/pause'],
      ] as const) {
        expectCatalogError(await call(method, path, body), 405, 'OPS_1000030');
      }
      expect(await job.getState()).toBe('delayed');
      expect((await queue.getJob(job.id!))?.data).toEqual({ eventId: 'x' });
      expect(await queue.getJobCounts('waiting', 'paused')).toEqual({ waiting: 0, paused: 0 });
      // Reading still works, and the board tells its UI it is read-only.
      const list = await http(`${gw.url}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${token}` } });
      expect(list.status).toBe(200);
      expect(list.body.queues.every((q: { readOnlyMode: boolean }) => q.readOnlyMode)).toBe(true);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});
