import { Webhook } from 'standardwebhooks';
import { AppDevice, connectAppDevice } from '../support/app-device';
import {
  adminCall,
  appCall,
  expectCatalogError,
  createUser,
  decide,
  eventually,
  onboardSp,
  sendBody,
  SpClient,
  SpCredentials,
  userToken,
} from '../support/clients';
import { CallbackReceiver, isCorrectlySigned, ReceivedCallback } from '../support/fakes/callback-receiver';
import { Gateway, startGateway } from '../support/gateway';

const API_KEY = 'callback-key-for-events-test';

describe('SP callbacks as events: ids, time, sequence, order, Standard Webhooks', () => {
  let gw: Gateway;
  const devices: AppDevice[] = [];

  beforeAll(async () => {
    // A backoff long enough for a revocation to be raised while ACCEPTED waits for its retry; a
    // relay poll so slow that only the wake-up after each commit can explain a prompt callback.
    gw = await startGateway({ BACKOFF_BASE_MS: '300', CALLBACK_ATTEMPTS: '5', OUTBOX_POLL_INTERVAL_MS: '60000' });
  });
  afterAll(async () => {
    devices.forEach((d) => d.close());
    await gw?.close();
  });

  async function acceptedTransaction(receiver: CallbackReceiver) {
    const sp = await onboardSp(gw, { callbackUrl: receiver.url, callbackApiKey: API_KEY });
    const user = await createUser(gw);
    const token = await userToken(gw, user.id);
    devices.push(await connectAppDevice(gw, token));
    const body = sendBody(sp, user);
    const id: string = (await new SpClient(gw, sp).send(body)).body.uaePassTransactionID;
    expect((await decide(gw, token, id, { accept: true })).body.status).toBe('ACCEPTED');
    return { sp, id, token, spTransactionID: body.spTransactionID };
  }

  const header = (c: ReceivedCallback, name: string) => c.headers[name.toLowerCase()] as string | undefined;

  it('delivers ACCEPTED before REVOKED when ACCEPTED fails twice and REVOKED is raised meanwhile; each keeps its event id on every retry', async () => {
    const receiver = await new CallbackReceiver().start();
    try {
      receiver.respondWith = [503, 503];
      const { sp, id, token, spTransactionID } = await acceptedTransaction(receiver);
      await receiver.waitFor((c) => c.body.status === 'ACCEPTED', 5000);
      const revoked = await appCall(gw, token, 'POST', `/app/v1/consents/${id}/revoke`);
      expect(revoked.status).toBe(200);

      await receiver.waitFor((c) => c.body.status === 'REVOKED', 15_000);
      const calls = receiver.for(id);
      expect(calls.map((c) => [c.body.status, c.answered])).toEqual([
        ['ACCEPTED', 503],
        ['ACCEPTED', 503],
        ['ACCEPTED', 200],
        ['REVOKED', 200],
      ]);
      // UAE PASS's wire format is intact: body keys and order, X-API-Key, X-Timestamp, X-UAEPASS-Signature.
      for (const c of calls) {
        expect(Object.keys(c.body)).toEqual(['spTransactionID', 'status', 'uaePassTransactionID']);
        expect(c.body).toEqual({ spTransactionID, status: c.body.status, uaePassTransactionID: id });
        expect(isCorrectlySigned(c, sp.signingSecret, API_KEY)).toBe(true);
      }
      // One event id per event, the same on every retry; the sequence follows TRIGGERED (1).
      const ids = calls.map((c) => header(c, 'X-Muwafaqa-Event-Id'));
      expect(new Set(ids.slice(0, 3)).size).toBe(1);
      expect(ids[3]).not.toBe(ids[0]);
      expect(calls.map((c) => header(c, 'X-Muwafaqa-Event-Sequence'))).toEqual(['2', '2', '2', '3']);
      const events = (await gw.db.query(`SELECT event_id, to_status, sequence, at FROM consent_events WHERE transaction_id = $1 ORDER BY id`, [id])).rows;
      expect(events.map((e: { to_status: string; sequence: number }) => [e.to_status, e.sequence])).toEqual([
        ['TRIGGERED', 1],
        ['ACCEPTED', 2],
        ['REVOKED', 3],
      ]);
      expect([ids[0], ids[3]]).toEqual([events[1].event_id, events[2].event_id]);
      expect(header(calls[0], 'X-Muwafaqa-Event-Time')).toBe(new Date(events[1].at).toISOString());
      // No Standard Webhooks headers for an SP that did not ask for them.
      expect(header(calls[0], 'webhook-signature')).toBeUndefined();
      // Both events are settled as delivered.
      const outbox = (await gw.db.query(`SELECT outcome FROM outbox WHERE transaction_id = $1 AND topic = 'callback' ORDER BY id`, [id])).rows;
      expect(outbox).toEqual([{ outcome: 'delivered' }, { outcome: 'delivered' }]);
    } finally {
      await receiver.stop();
    }
  });

  it('signs the callback the Standard Webhooks way for an SP with a whsec_ secret: the standardwebhooks package verifies it', async () => {
    const receiver = await new CallbackReceiver().start();
    try {
      receiver.respondWith = [500];
      const sp: SpCredentials = await onboardSp(gw, { callbackUrl: receiver.url, callbackApiKey: API_KEY });
      const set = await adminCall(gw, 'POST', `/admin/v1/service-providers/${sp.clientId}/webhook-secret`);
      expect(set.status).toBe(201);
      const secret: string = set.body.webhookSecret;
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);

      const user = await createUser(gw);
      const token = await userToken(gw, user.id);
      devices.push(await connectAppDevice(gw, token));
      const id: string = (await new SpClient(gw, sp).send(sendBody(sp, user))).body.uaePassTransactionID;
      await decide(gw, token, id, { accept: false });
      await eventually(async () => receiver.for(id).length === 2, 10_000, 'a failed and a delivered attempt');

      const wh = new Webhook(secret);
      for (const c of receiver.for(id)) {
        const payload = wh.verify(c.rawBody, c.headers as Record<string, string>) as { status: string };
        expect(payload.status).toBe('REJECTED');
        expect(header(c, 'webhook-id')).toBe(header(c, 'X-Muwafaqa-Event-Id'));
        // UAE PASS's signature is still there beside it.
        expect(isCorrectlySigned(c, sp.signingSecret, API_KEY)).toBe(true);
      }
      // A tampered body fails the package's verification.
      const first = receiver.for(id)[0];
      expect(() => wh.verify(first.rawBody.replace('REJECTED', 'ACCEPTED'), first.headers as Record<string, string>)).toThrow();

      // Turned off: the next callback carries no webhook-signature.
      expect((await adminCall(gw, 'DELETE', `/admin/v1/service-providers/${sp.clientId}/webhook-secret`)).status).toBe(204);
      const next: string = (await new SpClient(gw, sp).send(sendBody(sp, user))).body.uaePassTransactionID;
      await decide(gw, token, next, { accept: false });
      const plain = await receiver.waitFor((c) => c.body.uaePassTransactionID === next, 10_000);
      expect(header(plain, 'webhook-signature')).toBeUndefined();
    } finally {
      await receiver.stop();
    }
  });

  it('wakes the relay for INIT_FAILED (push worker) and EXPIRED (expiry sweeper): their callbacks do not wait for the poll', async () => {
    const receiver = await new CallbackReceiver().start();
    try {
      const sp = await onboardSp(gw, { callbackUrl: receiver.url, callbackApiKey: API_KEY });
      const client = new SpClient(gw, sp);
      // No device at all: the push worker fails the request at once.
      const unreachable = await createUser(gw);
      const failed: string = (await client.send(sendBody(sp, unreachable))).body.uaePassTransactionID;
      // A reachable user whose request runs out of time.
      const user = await createUser(gw);
      devices.push(await connectAppDevice(gw, await userToken(gw, user.id)));
      const late: string = (await client.send(sendBody(sp, user))).body.uaePassTransactionID;
      await gw.db.query(`UPDATE consent_transactions SET expires_at = now() - interval '1 minute' WHERE id = $1`, [late]);

      // Far sooner than the 60 s poll.
      await receiver.waitFor((c) => c.body.uaePassTransactionID === failed && c.body.status === 'INIT_FAILED', 15_000);
      await receiver.waitFor((c) => c.body.uaePassTransactionID === late && c.body.status === 'EXPIRED', 15_000);
    } finally {
      await receiver.stop();
    }
  });

  it('answers CONS_1000012 (both languages) for the webhook secret of an unknown SP', async () => {
    const res = await adminCall(gw, 'POST', `/admin/v1/service-providers/no-such-sp/webhook-secret`);
    expectCatalogError(res, 404, 'CONS_1000012');
  });
});
