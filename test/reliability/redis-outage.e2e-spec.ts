import { randomBytes } from 'node:crypto';
import { checkConsistency, describeReport } from '../../src/consent/consistency-checker';
import { DeviceRegistry } from '../../src/notifications/device-registry.service';
import { queuePrefix } from '../../src/notifications/queues';
import { createUser, onboardSp, SpClient, SpCredentials, TestUser } from '../support/clients';
import { leaksInternals, SendStream, until } from '../support/fault-load';
import { reportFault } from '../support/fault-report';
import { FakeFcm } from '../support/fakes/fake-fcm';
import { Gateway, startGateway } from '../support/gateway';
import { RedisNode, startRedisNode } from '../support/redis-topologies';

const OUTAGE_MS = Number(process.env.RELIABILITY_REDIS_OUTAGE_MS ?? 10_000);

describe('fault: Redis stopped for 10 s during a steady stream of sends', () => {
  let redis: RedisNode;
  let fcm: FakeFcm;
  let gw: Gateway;
  let sp: SpCredentials;
  let user: TestUser;
  let client: SpClient;

  beforeAll(async () => {
    // AOF fsync'd on every write: what a queue's Redis must run with; a crash loses no job.
    redis = await startRedisNode(['--appendonly', 'yes', '--appendfsync', 'always']);
    fcm = await new FakeFcm().start();
    gw = await startGateway({ REDIS_URL: redis.url, ...fcm.env(), PUSH_ATTEMPTS: '8', BACKOFF_BASE_MS: '200' });
    sp = await onboardSp(gw);
    user = await createUser(gw);
    await gw.app.get(DeviceRegistry).register(user.id, { platform: 'fcm', pushToken: `fcm-${randomBytes(16).toString('hex')}` });
    client = new SpClient(gw, sp);
    await client.tokenPair();
  });
  afterAll(async () => {
    await gw?.close();
    await fcm?.stop();
    await redis?.stop();
  });

  it('answers 201 or a coded 503, and after Redis returns every created transaction gets exactly one push', async () => {
    let phase = 'before';
    const stream = new SendStream(client, sp, user, () => phase, 50).start();
    await until(async () => stream.outcomes.filter((o) => o.status === 201).length >= 5, 10_000);

    phase = 'outage';
    await redis.stop('SIGKILL');
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    await redis.restart();
    phase = 'after';
    await until(async () => stream.outcomes.filter((o) => o.phase === 'after' && o.status === 201).length >= 5, 20_000);
    const outcomes = await stream.stop();

    // Every answer: 201, or REQ_1000006 with both languages and nothing internal.
    const odd = outcomes.filter((o) => !(o.status === 201 || (o.status === 503 && o.code === 'REQ_1000006' && o.bilingual)) || leaksInternals(o.text));
    expect(odd).toEqual([]);
    const during = outcomes.filter((o) => o.phase === 'outage');
    expect(during.length).toBeGreaterThan(0);
    // Replay records fall back to Postgres, so sends keep being accepted while Redis is away.
    expect(during.filter((o) => o.status === 201).length).toBeGreaterThan(0);

    // A 503 wrote nothing.
    const refused = outcomes.filter((o) => o.status === 503).map((o) => o.spTransactionID);
    const written = await gw.db.query(`SELECT sp_transaction_id FROM consent_transactions WHERE sp_id = $1 AND sp_transaction_id = ANY($2)`, [
      sp.clientId,
      refused,
    ]);
    expect(written.rows).toEqual([]);

    // Every 201 transaction gets its push, exactly once.
    const created = outcomes.filter((o) => o.status === 201).map((o) => o.uaePassTransactionID!);
    const pushesFor = (tx: string) => fcm.delivered().filter((s) => s.message.data.uaePassTransactionID === tx).length;
    await until(async () => created.every((tx) => pushesFor(tx) >= 1), 30_000, 200);
    await new Promise((r) => setTimeout(r, 500)); // room for a duplicate to show up
    const lost = created.filter((tx) => pushesFor(tx) === 0);
    const duplicated = created.filter((tx) => pushesFor(tx) > 1);
    reportFault({
      fault: 'Redis down 10 s (SIGKILL, restart)',
      sentDuringFault: during.length,
      sentInTotal: outcomes.length,
      created: created.length,
      coded503: refused.length,
      lost: lost.length,
      notes: `${duplicated.length} pushed twice`,
    });
    expect({ lost, duplicated }).toEqual({ lost: [], duplicated: [] });

    const report = await checkConsistency(gw.db, { jobs: gw.redis, queuePrefix: queuePrefix(gw.config), pendingOlderThanSeconds: 30 });
    expect(describeReport(report)).toContain('consistent');
  });
});
