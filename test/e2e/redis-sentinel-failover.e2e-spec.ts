import { randomBytes } from 'node:crypto';
import { Gateway, startGateway } from '../support/gateway';
import { createUser, eventually, HttpResult, http, onboardSp, sendBody, SpClient, SpCredentials, TestUser, userToken } from '../support/clients';
import { FakeFcm } from '../support/fakes/fake-fcm';
import { startRedisSentinel } from '../support/redis-topologies';

/**
 * Redis Sentinel (master + replica + three sentinels on loopback), gateway on REDIS_SENTINELS.
 * The master is SIGKILLed during a steady stream of signed sends. Every send answers 201 (replay
 * records fall back to Postgres while Redis is away) or the coded 503 (REQ_1000006, nothing
 * written); once the sentinels have promoted the replica, the same
 * gateway process, never restarted, answers 201 again, and every 201 transaction's push reaches
 * the fake FCM: none lost.
 */
describe('Redis Sentinel: master killed under a stream of sends', () => {
  let sentinel: Awaited<ReturnType<typeof startRedisSentinel>>;
  let gw: Gateway;
  let fcm: FakeFcm;

  beforeAll(async () => {
    sentinel = await startRedisSentinel();
    fcm = await new FakeFcm().start();
    gw = await startGateway({ ...sentinel.env(), ...fcm.env(), BACKOFF_BASE_MS: '50', PUSH_ATTEMPTS: '20', WORKER_LOCK_MS: '2000' });
  }, 30_000);
  afterAll(async () => {
    await gw?.close();
    await fcm?.stop();
    await sentinel?.stop();
  });

  it('answers 201 or a coded 503 during the failover, recovers by itself, and delivers every 201 transaction', async () => {
    const sp: SpCredentials = await onboardSp(gw);
    const client = new SpClient(gw, sp);
    await client.tokenPair();
    const users: { user: TestUser; pushToken: string }[] = [];
    for (let i = 0; i < 3; i++) {
      const user = await createUser(gw);
      const pushToken = `fcm-${randomBytes(16).toString('base64url')}`;
      const reg = await http(`${gw.url}/app/v1/devices`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await userToken(gw, user.id)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ platform: 'fcm', pushToken }),
      });
      expect(reg.status).toBe(201);
      users.push({ user, pushToken });
    }
    const oldMaster = sentinel.master.port;
    expect(await sentinel.masterPort()).toBe(oldMaster);

    const answers: { at: number; sent: ReturnType<typeof sendBody>; res: HttpResult }[] = [];
    let stop = false;
    let failedOverAt = 0;
    const stream = (async () => {
      for (let i = 0; !stop; i++) {
        const sent = sendBody(sp, users[i % users.length].user);
        answers.push({ at: Date.now(), sent, res: await client.send(sent) });
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    // Steady traffic first, then the master dies without a chance to hand anything over.
    await eventually(async () => answers.filter((a) => a.res.status === 201).length >= 10, 10_000, 'ten sends before the kill');
    const killedAt = Date.now();
    await sentinel.master.stop('SIGKILL');
    await eventually(async () => (await sentinel.masterPort()) === sentinel.replica.port, 20_000, 'the sentinels to promote the replica');
    failedOverAt = Date.now();
    // The gateway finds the new master by itself: sends succeed again on the same process.
    await eventually(async () => answers.some((a) => a.at > failedOverAt && a.res.status === 201), 15_000, 'a 201 after the failover');
    await eventually(async () => answers.filter((a) => a.at > failedOverAt && a.res.status === 201).length >= 10, 15_000, 'ten 201s after the failover');
    stop = true;
    await stream;

    // Only 201 or the catalog's 503, in both languages.
    const unexpected = answers.filter((a) => a.res.status !== 201 && !(a.res.status === 503 && a.res.body?.code === 'REQ_1000006'));
    expect(unexpected.map((a) => [a.res.status, a.res.text])).toEqual([]);
    for (const a of answers.filter((x) => x.res.status === 503)) {
      expect(a.at).toBeGreaterThanOrEqual(killedAt - 1000);
      expect(a.res.body.desc.en.length * a.res.body.desc.ar.length).toBeGreaterThan(0);
    }

    // A 503 wrote nothing; every 201 is exactly one transaction.
    const accepted = answers.filter((a) => a.res.status === 201);
    const refused = answers.filter((a) => a.res.status === 503);
    const rows = (await gw.db.query(`SELECT id, sp_transaction_id FROM consent_transactions WHERE sp_id = $1`, [sp.clientId])).rows;
    expect(rows.map((r) => r.sp_transaction_id).sort()).toEqual(accepted.map((a) => a.sent.spTransactionID).sort());
    expect(rows.map((r) => r.id).sort()).toEqual(accepted.map((a) => a.res.body.uaePassTransactionID).sort());

    // None lost: every 201 transaction's push reaches FCM, including those enqueued around the kill.
    const ids = new Set(accepted.map((a) => a.res.body.uaePassTransactionID as string));
    const pushed = () => new Set(fcm.delivered().map((s) => s.message.data.uaePassTransactionID));
    await eventually(async () => [...ids].every((id) => pushed().has(id)), 30_000, `pushes for all ${ids.size} accepted sends`).catch((err) => {
      throw new Error(`${(err as Error).message}; missing: ${[...ids].filter((id) => !pushed().has(id)).join(', ')}`);
    });
    const pending = (await gw.db.query(`SELECT count(*)::int AS n FROM outbox WHERE dispatched_at IS NULL`)).rows[0].n;
    expect(pending).toBe(0);
    const initFailed = (await gw.db.query(`SELECT count(*)::int AS n FROM consent_transactions WHERE sp_id = $1 AND status <> 'TRIGGERED'`, [sp.clientId]))
      .rows[0].n;
    expect(initFailed).toBe(0);
    // The figures, for the reader of the test log.
    process.stdout.write(
      `sentinel failover: ${answers.length} sends, ${accepted.length} × 201, ${refused.length} × 503 (REQ_1000006), ` +
        `failover seen after ${failedOverAt - killedAt} ms, ${ids.size} of ${ids.size} pushed\n`,
    );
  });
});
