import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import { Gateway, startGateway } from '../support/gateway';
import { createUser, decide, eventually, expectCatalogError, http, onboardSp, sendBody, SpClient, userToken } from '../support/clients';
import { AppDevice, connectAppDevice } from '../support/app-device';
import { CallbackReceiver, isCorrectlySigned } from '../support/fakes/callback-receiver';
import { FakeFcm } from '../support/fakes/fake-fcm';
import { startRedisCluster } from '../support/redis-topologies';

const API_KEY = 'cluster-callback-api-key';

/**
 * The consent flow end to end on a real 3-master Redis Cluster (REDIS_CLUSTER_NODES): the
 * replay record and rate limit (one Lua script on the SP's hash tag), BullMQ's push and callback
 * queues (every key under the `{prefix}` hash tag), the SP-directory and token-key pub/sub, and
 * the SSE fan-out (sharded pub/sub) all run on the cluster; nothing touches a single node.
 */
describe('Redis Cluster: the consent flow end to end', () => {
  let cluster: Awaited<ReturnType<typeof startRedisCluster>>;
  let redis: Cluster;
  let gw: Gateway;
  let fcm: FakeFcm;
  let receiver: CallbackReceiver;
  const devices: AppDevice[] = [];

  beforeAll(async () => {
    cluster = await startRedisCluster();
    redis = new Cluster(cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })));
    fcm = await new FakeFcm().start();
    receiver = await new CallbackReceiver().start();
    gw = await startGateway({ ...cluster.env(), ...fcm.env(), BACKOFF_BASE_MS: '50' });
  }, 30_000);
  afterAll(async () => {
    devices.forEach((d) => d.close());
    await gw?.close();
    redis?.disconnect();
    await fcm?.stop();
    await receiver?.stop();
    await cluster?.stop();
  });

  it('runs on the cluster: send (signed, replay refused), push to FCM, decision, signed callback', async () => {
    const sp = await onboardSp(gw, { callbackUrl: receiver.url, callbackApiKey: API_KEY });
    const client = new SpClient(gw, sp);
    const user = await createUser(gw);
    const token = await userToken(gw, user.id);
    const pushToken = `fcm-${randomBytes(16).toString('base64url')}`;
    const reg = await http(`${gw.url}/app/v1/devices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ platform: 'fcm', pushToken, locale: 'en' }),
    });
    expect(reg.status).toBe(201);

    const body = sendBody(sp, user);
    const timestamp = Date.now();
    const sent = await client.send(body, { timestamp });
    expect(sent.status).toBe(201);
    const id: string = sent.body.uaePassTransactionID;
    // The same signed request again: the replay record lives on the cluster.
    const replayed = await client.send(body, { timestamp });
    expectCatalogError(replayed, 401, 'SEC_1000004');

    // The push reaches the fake FCM, once, carrying only the transaction id.
    const push = await eventually(async () => fcm.delivered().find((s) => s.message.token === pushToken), 10_000, 'the FCM push');
    expect(push.message.data).toEqual({ uaePassTransactionID: id });
    const attempts = await eventually(
      async () =>
        (await gw.db.query(`SELECT platform, outcome FROM notification_attempts WHERE transaction_id = $1`, [id])).rows.filter(
          (r) => r.outcome === 'delivered',
        ),
      5000,
      'the delivered attempt row',
    );
    expect(attempts).toEqual([{ platform: 'fcm', outcome: 'delivered' }]);

    const decided = await decide(gw, token, id, { accept: true });
    expect([decided.status, decided.body.status]).toEqual([200, 'ACCEPTED']);

    const [callback] = await eventually(async () => receiver.for(id).length > 0 && receiver.for(id), 10_000, 'the SP callback');
    expect(callback.body).toEqual({ spTransactionID: body.spTransactionID, status: 'ACCEPTED', uaePassTransactionID: id });
    expect(isCorrectlySigned(callback, sp.signingSecret, API_KEY)).toBe(true);
    const status = await client.status(body.spTransactionID);
    expect([status.status, status.body.status]).toEqual([200, 'ACCEPTED']);

    // Where the state lives: the jobs under the `{prefix}` hash tag and the replay record on the
    // cluster; nothing under the prefix on the single node the other tests use.
    const prefix = gw.config.redisPrefix;
    const outbox = (await gw.db.query(`SELECT id, topic, event_id FROM outbox WHERE transaction_id = $1 ORDER BY id`, [id])).rows;
    expect(outbox.map((r) => r.topic)).toEqual(['push', 'callback']);
    expect(await redis.hget(`{${prefix}}:push-notifications:push-${outbox[0].event_id}`, 'finishedOn')).toMatch(/^\d+$/);
    await eventually(
      async () => (await redis.hget(`{${prefix}}:sp-callbacks:callback-${outbox[1].event_id}`, 'finishedOn')) !== null,
      5000,
      'the callback job done',
    );
    const replayKeys = await scanCluster(redis, `${prefix}:{sp:${sp.clientId}}:replay:*`);
    expect(replayKeys.length).toBeGreaterThanOrEqual(2); // the send and the status call
    expect([...(await gw.redis.keys(`${prefix}*`)), ...(await gw.redis.keys(`{${prefix}}*`))]).toEqual([]);
  });

  it('refuses an SP over its rate limit with SEC_1000005 (the counter on the cluster), and accepts once it is below', async () => {
    // The counter of the current minute (and the next, should the minute turn) at the limit already.
    const sp = await onboardSp(gw);
    const client = new SpClient(gw, sp);
    const user = await createUser(gw);
    const minute = Math.floor(Date.now() / 60_000);
    const keys = [minute, minute + 1].map((m) => `${gw.config.redisPrefix}:{sp:${sp.clientId}}:rate:${m}`);
    for (const k of keys) await redis.set(k, String(gw.config.rateLimitPerMinute), 'PX', 120_000);
    const refused = await client.send(sendBody(sp, user));
    expectCatalogError(refused, 429, 'SEC_1000005');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    for (const k of keys) await redis.del(k);
    expect((await client.send(sendBody(sp, user))).status).toBe(201);
  });

  it('delivers to an SSE device over sharded pub/sub, whichever node holds the channel', async () => {
    const sp = await onboardSp(gw);
    const client = new SpClient(gw, sp);
    // Several devices so their channels hash to different slots (and nodes).
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const user = await createUser(gw);
      const device = await connectAppDevice(gw, await userToken(gw, user.id));
      devices.push(device);
      const sent = await client.send(sendBody(sp, user));
      expect(sent.status).toBe(201);
      ids.push(sent.body.uaePassTransactionID);
      await eventually(async () => device.events.some((e) => e.uaePassTransactionID === sent.body.uaePassTransactionID), 10_000, 'the SSE event');
    }
    const rows = (await gw.db.query(`SELECT platform, outcome FROM notification_attempts WHERE transaction_id = ANY($1::uuid[])`, [ids])).rows;
    expect(rows).toEqual(ids.map(() => ({ platform: 'sse', outcome: 'delivered' })));
  });
});

/** SCAN on every master of the cluster. */
async function scanCluster(redis: Cluster, pattern: string): Promise<string[]> {
  const found: string[] = [];
  for (const node of redis.nodes('master')) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
  }
  return found;
}
