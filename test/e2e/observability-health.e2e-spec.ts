import { createUser, eventually, http, onboardSp, sendBody, SpClient } from '../support/clients';
import { Gateway, startGateway } from '../support/gateway';
import { RedisNode, startRedisNode } from '../support/redis-topologies';

describe('GET /health/ready', () => {
  let redis: RedisNode;
  let gw: Gateway;
  beforeAll(async () => {
    redis = await startRedisNode();
    gw = await startGateway({ REDIS_URL: redis.url });
  });
  afterAll(async () => {
    // Back up if a failed test left it stopped, so the gateway closes cleanly.
    if (redis && (redis.process.exitCode !== null || redis.process.signalCode !== null)) await redis.restart().catch(() => undefined);
    await gw?.close();
    await redis?.stop();
  });

  it('answers 200 with database, Redis and queues up; /health/live 200', async () => {
    const ready = await http(`${gw.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, redis: { status: 'up' }, queues: { status: 'up', thresholdSeconds: 300 } },
    });
    expect((await http(`${gw.url}/health/live`)).status).toBe(200);
  });

  it('answers 503 while Redis is stopped and 200 once it is back', async () => {
    await redis.stop('SIGKILL');
    const down = await eventually(
      async () => {
        const res = await http(`${gw.url}/health/ready`);
        return res.status === 503 ? res : null;
      },
      10_000,
      'readiness 503',
    );
    expect(down.body.status).toBe('error');
    expect(down.body.error.redis).toMatchObject({ status: 'down', message: 'Redis is unreachable' });
    expect(down.body.info.database).toEqual({ status: 'up' });
    // Liveness is not readiness: the process is still fine.
    expect((await http(`${gw.url}/health/live`)).status).toBe(200);

    await redis.restart();
    const up = await eventually(
      async () => {
        const res = await http(`${gw.url}/health/ready`);
        return res.status === 200 ? res : null;
      },
      15_000,
      'readiness 200 again',
    );
    expect(up.body.status).toBe('ok');
  });
});

describe('GET /health/ready with a queue lag threshold', () => {
  let gw: Gateway;
  beforeAll(async () => {
    // No workers in this instance: a push job waits in the queue and ages.
    gw = await startGateway({ WORKERS_IN_PROCESS: 'false', READY_QUEUE_LAG_SECONDS: '1' });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('answers 503 naming the queue when its oldest waiting job is older than READY_QUEUE_LAG_SECONDS', async () => {
    expect((await http(`${gw.url}/health/ready`)).status).toBe(200);
    const sp = await onboardSp(gw);
    const user = await createUser(gw);
    expect((await new SpClient(gw, sp).send(sendBody(sp, user))).status).toBe(201);
    const lagging = await eventually(
      async () => {
        const res = await http(`${gw.url}/health/ready`);
        return res.status === 503 ? res : null;
      },
      10_000,
      'readiness 503 on queue lag',
    );
    expect(lagging.body.error.queues).toMatchObject({ status: 'down', thresholdSeconds: 1, message: expect.stringContaining('push-notifications') });
    expect(lagging.body.error.queues.oldestWaitingSeconds['push-notifications']).toBeGreaterThan(1);
    expect(lagging.body.info).toMatchObject({ database: { status: 'up' }, redis: { status: 'up' } });
  });
});
