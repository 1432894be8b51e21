import Redis from 'ioredis';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppDevice, connectAppDevice } from '../support/app-device';
import { createUser, decide, eventually, http, onboardSp, sendBody, SpClient, userToken } from '../support/clients';
import { CallbackReceiver } from '../support/fakes/callback-receiver';
import { FakeFcm } from '../support/fakes/fake-fcm';
import { createTestDatabase, dropTestDatabase, Gateway, startGateway, testRedisUrl } from '../support/gateway';

/**
 * Queue job ids must be unique forever, not per database lifetime: BullMQ keeps finished jobs
 * (a day, 30 days when failed) and takes a new job with a known id as a duplicate. A fresh or
 * restored database behind the same Redis prefix must still deliver every push and callback,
 * each once.
 */
describe('job identity across database resets and restores behind one Redis prefix', () => {
  const fcm = new FakeFcm();
  const receiver = new CallbackReceiver();
  const sse: AppDevice[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    await fcm.start();
    await receiver.start();
    env = { ...fcm.env(), REDIS_PREFIX: `mwqtest:jobid:${randomBytes(4).toString('hex')}` };
  });
  afterAll(async () => {
    const redis = new Redis(testRedisUrl());
    const keys = await redis.keys(`{${env.REDIS_PREFIX}}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    sse.forEach((d) => d.close());
    await fcm.stop();
    await receiver.stop();
  });

  /** Stops the gateway but keeps Redis's history (Gateway.close would delete the prefix's keys). */
  async function stopKeepingRedis(gw: Gateway): Promise<void> {
    await gw.app.close();
    await gw.db.end();
    gw.redis.disconnect();
  }

  /** send → push to an FCM device and the open SSE stream → ACCEPTED → the SP's callback. */
  async function fullFlow(gw: Gateway): Promise<{ id: string; pushToken: string }> {
    const sp = await onboardSp(gw, { callbackUrl: receiver.url, callbackApiKey: 'job-identity-key' });
    const user = await createUser(gw);
    const token = await userToken(gw, user.id);
    const pushToken = `fcm-${randomBytes(20).toString('base64url')}`;
    const reg = await http(`${gw.url}/app/v1/devices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ platform: 'fcm', pushToken, locale: 'en' }),
    });
    expect(reg.status).toBe(201);
    const stream = await connectAppDevice(gw, token);
    sse.push(stream);
    const sent = await new SpClient(gw, sp).send(sendBody(sp, user));
    expect(sent.status).toBe(201);
    const id: string = sent.body.uaePassTransactionID;
    await eventually(async () => fcm.delivered().some((s) => s.message.token === pushToken), 10_000, `the FCM push of ${id}`);
    await eventually(async () => stream.events.some((e) => e.uaePassTransactionID === id), 10_000, `the SSE event of ${id}`);
    expect((await decide(gw, token, id, { accept: true })).body.status).toBe('ACCEPTED');
    await receiver.waitFor((c) => c.body.uaePassTransactionID === id && c.body.status === 'ACCEPTED', 10_000);
    return { id, pushToken };
  }

  /** Every device got each transaction's push once (per collapse key), every SP each status once. */
  function expectNothingTwice(): void {
    const pushes = fcm.delivered().map((s) => `${s.message.token}/${s.message.android?.collapse_key}`);
    expect(pushes.length).toBe(new Set(pushes).size);
    const callbacks = receiver.received.filter((c) => c.answered === 200).map((c) => `${c.body.uaePassTransactionID}/${c.body.status}`);
    expect(callbacks.length).toBe(new Set(callbacks).size);
  }

  it('a second fresh database behind the same Redis prefix delivers its push and its callback', async () => {
    const first = await startGateway(env);
    await fullFlow(first);
    await stopKeepingRedis(first);
    await dropTestDatabase(first.config.databaseUrl!);

    const second = await startGateway(env);
    try {
      await fullFlow(second);
      expectNothingTwice();
    } finally {
      await stopKeepingRedis(second);
      await dropTestDatabase(second.config.databaseUrl!);
    }
  });

  it('a database restored from a dump taken before the last flows delivers the next flow, and nothing twice', async () => {
    const databaseUrl = await createTestDatabase();
    const gw = await startGateway(env, databaseUrl);
    await fullFlow(gw);
    const dump = join(mkdtempSync(join(tmpdir(), 'mwq-dump-')), 'before.dump');
    execFileSync('pg_dump', ['--format=custom', `--file=${dump}`, databaseUrl]);
    await fullFlow(gw);
    await fullFlow(gw);
    await stopKeepingRedis(gw);

    // The operator restores last night's backup into a new database; Redis keeps its history.
    const restoredUrl = await createTestDatabase();
    execFileSync('pg_restore', ['--no-owner', `--dbname=${restoredUrl}`, dump]);
    const restored = await startGateway(env, restoredUrl);
    try {
      await fullFlow(restored);
      // The relay and the workers have had time to redo anything they would wrongly redo.
      await new Promise((r) => setTimeout(r, 1000));
      expectNothingTwice();
    } finally {
      await stopKeepingRedis(restored);
      await dropTestDatabase(restoredUrl);
      await dropTestDatabase(databaseUrl);
    }
  });
});
