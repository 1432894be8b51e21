import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { CALLBACK_QUEUE } from '../../src/callbacks/callback-queue';
import { PUSH_QUEUE } from '../../src/notifications/queues';
import { uuidV7 } from '../../src/database/uuid-v7';
import { OutboxRelay } from '../../src/outbox/outbox-relay.service';
import { AppDevice, connectAppDevice } from '../support/app-device';
import { createUser, decide, eventually, onboardSp, sendBody, SpClient, userToken } from '../support/clients';
import { CallbackReceiver, isCorrectlySigned } from '../support/fakes/callback-receiver';
import { Gateway, startGateway } from '../support/gateway';

const API_KEY = 'callback-key-for-forgery-test';

/**
 * Someone who can write to Redis (a leaked password, a queue dashboard that allows editing) adds
 * or edits sp-callbacks jobs. The SP must still hear only what was committed: a callback's
 * status is read from Postgres, the job only names an event, and an event id nobody committed
 * sends nothing.
 */
describe('security: a callback job forged or edited in Redis cannot change what the SP hears', () => {
  let gw: Gateway;
  let receiver: CallbackReceiver;
  let queue: Queue;
  const devices: AppDevice[] = [];

  beforeAll(async () => {
    receiver = await new CallbackReceiver().start();
    gw = await startGateway({ BACKOFF_BASE_MS: '400', CALLBACK_ATTEMPTS: '4' });
    queue = gw.app.get<Queue>(getQueueToken(CALLBACK_QUEUE));
  });
  afterAll(async () => {
    devices.forEach((d) => d.close());
    await gw?.close();
    await receiver?.stop();
  });

  async function rejectedTransaction() {
    const sp = await onboardSp(gw, { callbackUrl: receiver.url, callbackApiKey: API_KEY });
    const user = await createUser(gw);
    const token = await userToken(gw, user.id);
    const device = await connectAppDevice(gw, token);
    devices.push(device);
    const body = sendBody(sp, user);
    const id: string = (await new SpClient(gw, sp).send(body)).body.uaePassTransactionID;
    // The real push first, so nothing the tests below count can still be on its way.
    await eventually(async () => device.events.some((e) => e.uaePassTransactionID === id), 5000, 'the real push');
    expect((await decide(gw, token, id, { accept: false })).body.status).toBe('REJECTED');
    return { sp, id, spTransactionID: body.spTransactionID };
  }

  it('an edited job (status ACCEPTED, another event id in its data) still delivers the committed REJECTED', async () => {
    receiver.respondWith = [503];
    const { sp, id, spTransactionID } = await rejectedTransaction();
    const first = await receiver.waitFor((c) => c.body.uaePassTransactionID === id, 5000);
    const eventId = String(first.headers['x-muwafaqa-event-id']);
    // While the job waits for its retry, the attacker rewrites its data.
    const job = await queue.getJob(`callback-${eventId}`);
    expect(job).toBeDefined();
    await job!.updateData({ eventId: uuidV7(), transactionId: id, status: 'ACCEPTED' } as never);

    await eventually(async () => receiver.for(id).length === 2, 10_000, 'the retry');
    const retry = receiver.for(id)[1];
    expect(retry.answered).toBe(200);
    expect(retry.rawBody).toBe(JSON.stringify({ spTransactionID, status: 'REJECTED', uaePassTransactionID: id }));
    expect(retry.headers['x-muwafaqa-event-id']).toBe(eventId);
    expect(isCorrectlySigned(retry, sp.signingSecret, API_KEY)).toBe(true);
  });

  it('an added job naming an event nobody committed sends nothing and records nothing', async () => {
    receiver.respondWith = [];
    const { id } = await rejectedTransaction();
    await receiver.waitFor((c) => c.body.uaePassTransactionID === id, 5000);
    const before = receiver.received.length;

    const forged = [
      // An id of the relay's shape, for an event that does not exist.
      await queue.add('callback', { eventId: uuidV7(), transactionId: id, status: 'ACCEPTED' } as never, { jobId: `callback-${uuidV7()}` }),
      // An id of no known shape, with the real transaction in its data.
      await queue.add('callback', { transactionId: id, status: 'ACCEPTED' } as never, { jobId: 'evil-accept' }),
      // BullMQ's own numbering, no custom id at all.
      await queue.add('callback', { transactionId: id, status: 'ACCEPTED' } as never),
    ];
    await eventually(async () => (await Promise.all(forged.map((j) => j.isCompleted()))).every(Boolean), 5000, 'the forged jobs processed');
    expect(await Promise.all(forged.map(async (j) => (await queue.getJob(j.id!))?.returnvalue))).toEqual([
      { skipped: 'no such event' },
      { skipped: 'no such event' },
      { skipped: 'no such event' },
    ]);
    expect(receiver.received.length).toBe(before);
    const attempts = (await gw.db.query(`SELECT status FROM callback_attempts WHERE transaction_id = $1`, [id])).rows;
    expect(attempts).toEqual([{ status: 'REJECTED' }]);
  });

  it('a job re-added under a delivered event id sends nothing again', async () => {
    const { id } = await rejectedTransaction();
    const delivered = await receiver.waitFor((c) => c.body.uaePassTransactionID === id, 5000);
    const jobId = `callback-${String(delivered.headers['x-muwafaqa-event-id'])}`;
    await eventually(async () => (await queue.getJob(jobId))?.isCompleted(), 5000, 'the job completed');
    await (await queue.getJob(jobId))!.remove();
    const again = await queue.add('callback', { transactionId: id, status: 'ACCEPTED' } as never, { jobId });
    await eventually(async () => again.isCompleted(), 5000, 'the re-added job processed');
    expect((await queue.getJob(jobId))?.returnvalue).toEqual({ skipped: 'already settled' });
    expect(receiver.for(id)).toHaveLength(1);
  });

  it('a push job forged in Redis for a real transaction pushes nothing', async () => {
    const { id } = await rejectedTransaction();
    const pushQueue = gw.app.get<Queue>(getQueueToken(PUSH_QUEUE));
    const device = devices[devices.length - 1];
    const before = device.events.length;
    const forged = [
      await pushQueue.add('push', { eventId: uuidV7(), transactionId: id } as never, { jobId: `push-${uuidV7()}` }),
      await pushQueue.add('push', { transactionId: id } as never, { jobId: 'evil-push' }),
    ];
    await eventually(async () => (await Promise.all(forged.map((j) => j.isCompleted()))).every(Boolean), 5000, 'the forged jobs processed');
    expect(await Promise.all(forged.map(async (j) => (await pushQueue.getJob(j.id!))?.returnvalue.skipped))).toEqual([
      'no such push event',
      'not a job the outbox relay made',
    ]);
    await new Promise((r) => setTimeout(r, 200));
    expect(device.events.length).toBe(before);
  });

  it('the relay reports a job planted under the id of a row it is about to relay, instead of taking it for its own', async () => {
    const { id } = await rejectedTransaction();
    const delivered = await receiver.waitFor((c) => c.body.uaePassTransactionID === id, 5000);
    const eventId = String(delivered.headers['x-muwafaqa-event-id']);
    const jobId = `callback-${eventId}`;
    await eventually(async () => (await queue.getJob(jobId))?.isCompleted(), 5000, 'the job completed');
    await (await queue.getJob(jobId))!.remove();
    const planted = await queue.add('callback', { eventId, transactionId: id, status: 'ACCEPTED' } as never, { jobId });
    await eventually(async () => planted.isCompleted(), 5000, 'the planted job processed');
    // The row comes back pending (as from a restored backup): the relay meets the planted job.
    await gw.db.query(`UPDATE outbox SET dispatched_at = NULL WHERE event_id = $1`, [eventId]);
    const relay = gw.app.get(OutboxRelay);
    const before = relay.conflicts;
    await relay.relayOnce();
    expect(relay.conflicts).toBe(before + 1);
    expect((await gw.db.query(`SELECT dispatched_at IS NOT NULL AS dispatched FROM outbox WHERE event_id = $1`, [eventId])).rows).toEqual([
      { dispatched: true },
    ]);
    // The planted job was never run as ours, and the SP heard REJECTED once, nothing else.
    expect(receiver.for(id).map((c) => c.body.status)).toEqual(['REJECTED']);
  });
});
