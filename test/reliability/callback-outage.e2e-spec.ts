import { checkConsistency, describeReport } from '../../src/consent/consistency-checker';
import { CALLBACK_QUEUE } from '../../src/callbacks/callback-queue';
import { queuePrefix } from '../../src/notifications/queues';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { AppDevice, connectAppDevice } from '../support/app-device';
import { adminCall, createUser, decide, eventually, onboardSp, sendBody, SpClient, SpCredentials, userToken } from '../support/clients';
import { FaultProxy, startFaultProxy } from '../support/fault-proxy';
import { reportFault } from '../support/fault-report';
import { CallbackReceiver, isCorrectlySigned } from '../support/fakes/callback-receiver';
import { Gateway, startGateway } from '../support/gateway';
import { freePort } from '../support/redis-topologies';

const API_KEY = 'reliability-callback-key';
const ATTEMPTS = 6;

describe('fault: the SP callback receiver is down', () => {
  let gw: Gateway;
  let receiver: CallbackReceiver;
  let proxy: FaultProxy;
  const devices: AppDevice[] = [];

  beforeAll(async () => {
    receiver = await new CallbackReceiver().start();
    // The SP's host as the gateway sees it: a port that can go dark and come back.
    proxy = await startFaultProxy(Number(new URL(receiver.url).port));
    gw = await startGateway({ BACKOFF_BASE_MS: '150', CALLBACK_ATTEMPTS: String(ATTEMPTS), CALLBACK_TIMEOUT_MS: '500' });
  });
  afterAll(async () => {
    devices.forEach((d) => d.close());
    await gw?.close();
    await proxy?.close();
    await receiver?.stop();
  });

  async function acceptedTransaction(sp: SpCredentials) {
    const client = new SpClient(gw, sp);
    const user = await createUser(gw);
    const token = await userToken(gw, user.id);
    devices.push(await connectAppDevice(gw, token));
    const body = sendBody(sp, user);
    const sent = await client.send(body);
    expect(sent.status).toBe(201);
    const id: string = sent.body.uaePassTransactionID;
    expect((await decide(gw, token, id, { accept: true })).body.status).toBe('ACCEPTED');
    return { client, id, spTransactionID: body.spTransactionID };
  }
  const attemptsOf = async (id: string) =>
    (await gw.db.query(`SELECT attempt, status, status_code, delivered, error FROM callback_attempts WHERE transaction_id = $1 ORDER BY id`, [id])).rows;

  it('down longer than the first retry steps: delivered once it returns, correctly signed, exactly once', async () => {
    const path = new URL(receiver.url).pathname;
    const sp = await onboardSp(gw, { callbackUrl: `http://127.0.0.1:${proxy.port}${path}`, callbackApiKey: API_KEY });
    await proxy.down();
    const { id, spTransactionID } = await acceptedTransaction(sp);
    // Three refused connections, each recorded, before the receiver comes back.
    const failedFirst = await eventually(async () => {
      const rows = await attemptsOf(id);
      return rows.length >= 3 && rows;
    }, 15_000);
    expect(failedFirst).toBeTruthy();
    expect(failedFirst.every((r: { delivered: boolean; error: string }) => !r.delivered && r.error)).toBe(true);
    await proxy.up();

    const cb = await receiver.waitFor((c) => c.body.uaePassTransactionID === id, 20_000);
    expect(cb.body).toEqual({ spTransactionID, status: 'ACCEPTED', uaePassTransactionID: id });
    expect(isCorrectlySigned(cb, sp.signingSecret, API_KEY)).toBe(true);
    const rows = await eventually(async () => {
      const r = await attemptsOf(id);
      return r.some((a: { delivered: boolean }) => a.delivered) && r;
    }, 5_000);
    expect(rows.filter((r: { delivered: boolean }) => r.delivered)).toHaveLength(1);
    expect(receiver.for(id)).toHaveLength(1);
    reportFault({
      fault: 'callback receiver down (connection refused) for 3+ attempts',
      sentDuringFault: 1,
      sentInTotal: 1,
      created: 1,
      coded503: 0,
      lost: 0,
      notes: `${rows.length - 1} refused attempts recorded before delivery`,
    });
  });

  it('never comes back: the final failure is recorded, visible to operators, and the SP can still poll', async () => {
    const nowhere = await freePort(); // nothing listens there
    const sp = await onboardSp(gw, { callbackUrl: `http://127.0.0.1:${nowhere}/api/v1/consent/transaction/callback`, callbackApiKey: API_KEY });
    const { client, id, spTransactionID } = await acceptedTransaction(sp);

    const attempts = await eventually(async () => {
      const rows = await attemptsOf(id);
      return rows.length >= ATTEMPTS && rows;
    }, 30_000);
    expect(attempts.map((a: { attempt: number; delivered: boolean }) => [a.attempt, a.delivered])).toEqual(
      Array.from({ length: ATTEMPTS }, (_, i) => [i + 1, false]),
    );

    // What an operator sees for the transaction.
    const detail = await adminCall(gw, 'GET', `/admin/v1/transactions/${id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.callbackAttempts).toHaveLength(ATTEMPTS);
    expect(detail.body.callbackAttempts.every((a: { delivered: boolean; error: string | null }) => a.delivered === false && a.error)).toBe(true);
    // …and the job it names sits in the failed set (what the queue dashboard lists).
    const jobId: string = detail.body.outbox.find((o: { topic: string }) => o.topic === 'callback').jobId;
    const queue = gw.app.get<Queue>(getQueueToken(CALLBACK_QUEUE));
    await eventually(async () => (await (await queue.getJob(jobId))?.getState()) === 'failed', 5_000, 'the failed job');
    expect((await queue.getFailed()).map((j) => j.id)).toContain(jobId);

    // The SP falls back to polling.
    const polled = await client.status(spTransactionID);
    expect({ status: polled.status, body: polled.body }).toEqual({ status: 200, body: { uaePassTransactionID: id, spTransactionID, status: 'ACCEPTED' } });

    const report = await checkConsistency(gw.db, { jobs: gw.redis, queuePrefix: queuePrefix(gw.config) });
    expect(describeReport(report)).toContain('consistent');
    reportFault({
      fault: 'callback receiver never returns',
      sentDuringFault: 1,
      sentInTotal: 1,
      created: 1,
      coded503: 0,
      lost: 0,
      notes: `${ATTEMPTS} failed attempts recorded, job in the failed set, status pollable`,
    });
  });
});
