import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DeviceRegistry } from '../../src/notifications/device-registry.service';
import { PUSH_QUEUE } from '../../src/notifications/queues';
import { createUser, eventually, onboardSp, sendBody, SpClient } from '../support/clients';
import { FakeFcm } from '../support/fakes/fake-fcm';
import { startGateway, testPostgresUrl } from '../support/gateway';
import { freePort, spawnWorker, startRedisServer, stopProcess } from '../support/processes';

const fcmToken = () => `fcm-${randomBytes(20).toString('base64url')}`;

describe('push notifications survive Redis outages and dead workers', () => {
  let fcm: FakeFcm;
  beforeAll(async () => {
    fcm = await new FakeFcm().start();
  });
  afterAll(async () => {
    await fcm?.stop();
  });

  // While Redis is down, replay records go to Postgres (ReplayFallback) and the outbox rows wait.
  it('answers 201 to sends made while Redis is stopped, and after it returns every push arrives exactly once', async () => {
    const port = await freePort();
    let redis = await startRedisServer(port);
    const gw = await startGateway({ ...fcm.env(), REDIS_URL: `redis://127.0.0.1:${port}` });
    try {
      const sp = await onboardSp(gw);
      const client = new SpClient(gw, sp);
      await client.tokenPair();
      const user = await createUser(gw);
      const device = await gw.app.get(DeviceRegistry).register(user.id, { platform: 'fcm', pushToken: fcmToken() });

      await stopProcess(redis, 'SIGKILL');
      // What Redis accepted just before the outage is not in the Postgres fallback, so for the first
      // seconds of an outage a request is answered with the coded 503 (nothing written) and the SP
      // retries it, signed afresh; that retry is accepted (docs/security.md, replay during an outage).
      const sendUntilAccepted = async (body: unknown) => {
        for (const deadline = Date.now() + 10_000; ;) {
          const res = await client.send(body);
          if (res.status !== 503 || Date.now() > deadline) return res;
          expect(res.body.code).toBe('REQ_1000006');
          await new Promise((r) => setTimeout(r, 500));
        }
      };
      const sent = await Promise.all([1, 2, 3].map(() => sendUntilAccepted(sendBody(sp, user))));
      expect(sent.map((r) => [r.status, r.body?.code])).toEqual([
        [201, undefined],
        [201, undefined],
        [201, undefined],
      ]);
      const ids = sent.map((r) => r.body.uaePassTransactionID as string).sort();
      // The rows wait in the outbox.
      const pending = await gw.db.query(
        `SELECT count(*)::int AS n FROM outbox WHERE topic = 'push' AND dispatched_at IS NULL AND transaction_id = ANY($1::uuid[])`,
        [ids],
      );
      expect(pending.rows[0].n).toBe(3);

      redis = await startRedisServer(port);
      const mine = () => fcm.sends.filter((s) => s.message.token === device.pushToken);
      await eventually(async () => mine().length >= 3, 15_000, 'three pushes');
      await new Promise((r) => setTimeout(r, 500)); // room for a duplicate to show up, if any
      expect(
        mine()
          .map((s) => s.message.data.uaePassTransactionID)
          .sort(),
      ).toEqual(ids);
      const attempts = await gw.db.query(`SELECT transaction_id, outcome FROM notification_attempts WHERE transaction_id = ANY($1::uuid[])`, [ids]);
      expect(attempts.rows.map((r: { outcome: string }) => r.outcome)).toEqual(['delivered', 'delivered', 'delivered']);
    } finally {
      if (redis.exitCode !== null || redis.signalCode !== null) redis = await startRedisServer(port);
      await gw.close();
      await stopProcess(redis);
    }
  });

  // ioredis's disconnect() of a client waiting to reconnect (no socket) emitted no 'end', and BullMQ's
  // Worker.close() waits for its blocking connection's 'end': the gateway's shutdown hung for ever.
  it('shuts down within seconds while a worker connection is between Redis reconnect attempts', async () => {
    const port = await freePort();
    const redis = await startRedisServer(port);
    const gw = await startGateway({ ...fcm.env(), REDIS_URL: `redis://127.0.0.1:${port}` });
    const admin = new Redis({ port, host: '127.0.0.1' });
    let closing: Promise<string> | undefined;
    try {
      // The push worker's blocking connection (waiting in BZPOPMIN, named after its queue) is
      // dropped and cannot come back for now (no room for a new client); every other connection stays up.
      const queueName = Buffer.from(PUSH_QUEUE).toString('base64');
      const blocking = await eventually(
        async () => {
          const list = String(await admin.client('LIST')).split('\n');
          const ids = list.filter((l) => l.includes(' cmd=bzpopmin ') && l.includes(queueName)).map((l) => /\bid=(\d+)/.exec(l)![1]);
          return ids.length >= 1 && ids;
        },
        5000,
        'the push worker waiting in BZPOPMIN',
      );
      await admin.config('SET', 'maxclients', '1');
      for (const id of blocking) await admin.client('KILL', 'ID', id);
      await new Promise((r) => setTimeout(r, 300)); // the retries have begun (and failed)

      const started = Date.now();
      closing = gw.close().then(() => 'closed');
      // Redis takes new clients again: a connection still waiting for its retry timer could reconnect.
      await new Promise((r) => setTimeout(r, 500));
      await admin.config('SET', 'maxclients', '10000');
      const outcome = await Promise.race([closing, new Promise<string>((r) => setTimeout(() => r('still closing after 10 s'), 10_000))]);
      expect(outcome).toBe('closed');
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await admin.config('SET', 'maxclients', '10000').catch(() => undefined);
      admin.disconnect();
      await stopProcess(redis);
    }
  });

  // BullMQ's Queue.close() quits its connection; ioredis's quit() without a connection (offline
  // queue off) rejected with "Stream isn't writeable…", which BullMQ rethrows: Ctrl-C while Redis
  // was down ended in a stack trace, the rest of the shutdown skipped.
  it('shuts down cleanly while Redis is down', async () => {
    const port = await freePort();
    const redis = await startRedisServer(port);
    const gw = await startGateway({ ...fcm.env(), REDIS_URL: `redis://127.0.0.1:${port}` });
    await stopProcess(redis);
    await new Promise((r) => setTimeout(r, 500)); // every connection has seen it go
    const closing = gw.close().then(
      () => 'closed',
      (err: Error) => `close failed: ${err.message}`,
    );
    const outcome = await Promise.race([closing, new Promise<string>((r) => setTimeout(() => r('still closing after 10 s'), 10_000))]);
    expect(outcome).toBe('closed');
    // The rest of the shutdown ran: the gateway's database pool is closed too.
    const pg = new Client({ connectionString: testPostgresUrl() });
    await pg.connect();
    try {
      const name = new URL(gw.config.databaseUrl!).pathname.slice(1);
      const { rows } = await pg.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'muwafaqa'`, [name]);
      expect(rows[0].n).toBe(0);
    } finally {
      await pg.end();
    }
  });

  it('hands the job of a worker killed with SIGKILL mid-push to another worker, which delivers it', async () => {
    // The API instance only relays; the pushes run in separate worker processes.
    const gw = await startGateway({ ...fcm.env(), WORKERS_IN_PROCESS: 'false', WORKER_LOCK_MS: '1000' });
    const workerEnv = {
      ...fcm.env(),
      NODE_ENV: 'test',
      DATABASE_URL: gw.config.databaseUrl!,
      REDIS_URL: gw.config.redisUrl!,
      REDIS_PREFIX: gw.config.redisPrefix,
      DATA_DIR: gw.config.dataDir,
      RUN_MIGRATIONS: 'false',
      LOG_LEVEL: 'silent',
      BACKOFF_BASE_MS: '50',
      WORKER_LOCK_MS: '1000',
    };
    const first = spawnWorker(workerEnv);
    let second: ReturnType<typeof spawnWorker> | undefined;
    try {
      const sp = await onboardSp(gw);
      const client = new SpClient(gw, sp);
      const user = await createUser(gw);
      const device = await gw.app.get(DeviceRegistry).register(user.id, { platform: 'fcm', pushToken: fcmToken() });
      // The first push reaches FCM and hangs there: the worker is then mid-job.
      fcm.answer = (token, n) => (token === device.pushToken && n === 0 ? 'hang' : 'ok');
      const arrived = new Promise<void>((ok) => (fcm.onSend = (s) => s.message.token === device.pushToken && ok()));

      const sent = await client.send(sendBody(sp, user));
      expect(sent.status).toBe(201);
      const txId: string = sent.body.uaePassTransactionID;
      await arrived;
      await stopProcess(first, 'SIGKILL');

      second = spawnWorker(workerEnv);
      const mine = () => fcm.sends.filter((s) => s.message.token === device.pushToken);
      await eventually(async () => mine().some((s) => s.answered === 200), 30_000, 'delivery by the second worker');
      // Two requests reached FCM (the killed one never got its answer); both carry the same
      // collapse key, so the phone shows one notification.
      expect(mine().map((s) => s.message.android?.collapse_key)).toEqual([txId, txId]);
      expect(mine().filter((s) => s.answered === 200)).toHaveLength(1);
      const attempts = await eventually(
        async () => {
          const r = await gw.db.query(`SELECT outcome FROM notification_attempts WHERE transaction_id = $1`, [txId]);
          return r.rows.length > 0 && r.rows;
        },
        5000,
        'attempt row',
      );
      expect(attempts).toEqual([{ outcome: 'delivered' }]);
      expect((await gw.db.query(`SELECT status FROM consent_transactions WHERE id = $1`, [txId])).rows[0].status).toBe('TRIGGERED');
    } finally {
      fcm.onSend = undefined;
      await stopProcess(first, 'SIGKILL');
      if (second) await stopProcess(second);
      await gw.close();
    }
  });
});
