import { Gateway, startGateway } from '../support/gateway';
import { createUser, decide, eventually, onboardSp, sendBody, SpClient, userToken } from '../support/clients';
import { connectAppDevice, AppDevice } from '../support/app-device';
import { CallbackReceiver, isCorrectlySigned } from '../support/fakes/callback-receiver';

const API_KEY = 'callback-key-for-retry-test';

describe('SP callbacks through the sp-callbacks queue', () => {
  let gw: Gateway;
  let receiver: CallbackReceiver;
  const devices: AppDevice[] = [];

  beforeAll(async () => {
    receiver = await new CallbackReceiver().start();
    gw = await startGateway({ BACKOFF_BASE_MS: '50', CALLBACK_ATTEMPTS: '5', CALLBACK_TIMEOUT_MS: '300' });
  });
  afterAll(async () => {
    devices.forEach((d) => d.close());
    await gw?.close();
    await receiver?.stop();
  });

  async function acceptedTransaction(spExtra: Record<string, unknown>) {
    const sp = await onboardSp(gw, spExtra);
    const client = new SpClient(gw, sp);
    const user = await createUser(gw);
    const token = await userToken(gw, user.id);
    devices.push(await connectAppDevice(gw, token));
    const body = sendBody(sp, user);
    const sent = await client.send(body);
    const id: string = sent.body.uaePassTransactionID;
    expect((await decide(gw, token, id, { accept: true })).body.status).toBe('ACCEPTED');
    return { sp, id, spTransactionID: body.spTransactionID };
  }

  const attemptsOf = async (id: string) =>
    (
      await gw.db.query(`SELECT attempt, status, status_code, delivered, error, latency_ms, url FROM callback_attempts WHERE transaction_id = $1 ORDER BY id`, [
        id,
      ])
    ).rows;

  it('retries with backoff while the receiver is down: the third attempt delivers, all three recorded', async () => {
    receiver.respondWith = [503, 503];
    const { sp, id, spTransactionID } = await acceptedTransaction({ callbackUrl: receiver.url, callbackApiKey: API_KEY });

    const rows = await eventually(
      async () => {
        const r = await attemptsOf(id);
        return r.length >= 3 && r;
      },
      10_000,
      'three callback attempts',
    );
    expect(
      rows.map((r: { attempt: number; status_code: number; delivered: boolean; status: string }) => [r.attempt, r.status, r.status_code, r.delivered]),
    ).toEqual([
      [1, 'ACCEPTED', 503, false],
      [2, 'ACCEPTED', 503, false],
      [3, 'ACCEPTED', 200, true],
    ]);
    expect(rows[0].error).toBe('HTTP 503');
    expect(rows.every((r: { latency_ms: number; url: string }) => r.latency_ms >= 0 && r.url === receiver.url)).toBe(true);

    const calls = receiver.for(id);
    expect(calls.map((c) => c.answered)).toEqual([503, 503, 200]);
    // Each retry is signed afresh (a new X-Timestamp) under the SP's signing secret.
    for (const c of calls) {
      expect(isCorrectlySigned(c, sp.signingSecret, API_KEY)).toBe(true);
      expect(c.body).toEqual({ spTransactionID, status: 'ACCEPTED', uaePassTransactionID: id });
    }
    // Nothing more arrives once delivered.
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.for(id)).toHaveLength(3);
  });

  it('gives up on a receiver slower than CALLBACK_TIMEOUT_MS, records the timeout, and retries', async () => {
    receiver.received.length = 0;
    receiver.respondWith = [];
    receiver.delaysMs = [2000];
    const { id } = await acceptedTransaction({ callbackUrl: receiver.url, callbackApiKey: API_KEY });
    const rows = await eventually(
      async () => {
        const r = await attemptsOf(id);
        return r.length >= 2 && r;
      },
      10_000,
      'a timed-out attempt and a delivered one',
    );
    expect(
      rows.map((r: { attempt: number; status_code: number | null; delivered: boolean; error: string | null }) => [
        r.attempt,
        r.status_code,
        r.delivered,
        r.error,
      ]),
    ).toEqual([
      [1, null, false, 'timeout after 300 ms'],
      [2, 200, true, null],
    ]);
    receiver.delaysMs = [];
  });

  it('records an unreachable receiver as an attempt with the network error', async () => {
    receiver.respondWith = [];
    const closed = await new CallbackReceiver().start();
    await closed.stop(); // nothing listens on that port any more
    const { id } = await acceptedTransaction({ callbackUrl: closed.url, callbackApiKey: API_KEY });
    const rows = await eventually(
      async () => {
        const r = await attemptsOf(id);
        return r.length >= 2 && r;
      },
      10_000,
      'two failed attempts',
    );
    expect(rows[0]).toMatchObject({ attempt: 1, status_code: null, delivered: false, error: 'connection failed' });
  });

  it('delivers nothing and records nothing for an SP without a callback URL', async () => {
    const { id } = await acceptedTransaction({});
    // The job completes at once: wait for the queue to finish it, then check no attempt exists.
    await eventually(
      async () => {
        const r = await gw.db.query(`SELECT dispatched_at FROM outbox WHERE transaction_id = $1 AND topic = 'callback'`, [id]);
        return r.rows[0]?.dispatched_at;
      },
      5000,
      'the callback row relayed',
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(await attemptsOf(id)).toEqual([]);
  });
});
