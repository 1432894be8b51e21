import { randomBytes } from 'node:crypto';
import { checkConsistency, describeReport } from '../../src/consent/consistency-checker';
import { DeviceRegistry } from '../../src/notifications/device-registry.service';
import { queuePrefix } from '../../src/notifications/queues';
import { createUser, HttpResult, onboardSp, sendBody, SpClient, SpCredentials, TestUser } from '../support/clients';
import { until } from '../support/fault-load';
import { childEnv, GatewayProcess, spawnGatewayProcess } from '../support/fault-process';
import { reportFault } from '../support/fault-report';
import { FakeFcm } from '../support/fakes/fake-fcm';
import { Gateway, startGateway } from '../support/gateway';
import { freePort } from '../support/redis-topologies';

/**
 * The API and the workers as separate OS processes, killed with SIGKILL: no graceful shutdown,
 * no chance to finish a job or a response. What was accepted must still be delivered.
 */
describe('fault: a worker and a server killed with SIGKILL', () => {
  let fcm: FakeFcm;
  let gw: Gateway;
  let sp: SpCredentials;
  let user: TestUser;
  let client: SpClient;
  const children: GatewayProcess[] = [];
  let hang = false;

  const spawnChild = (kind: 'server' | 'worker', extra: Record<string, string> = {}) => {
    // A stalled job (its worker died) is taken over after about WORKER_LOCK_MS.
    const child = spawnGatewayProcess(kind, childEnv(gw.config, { WORKER_LOCK_MS: '1000', PUSH_ATTEMPTS: '5', WORKERS_IN_PROCESS: 'false', ...extra }));
    children.push(child);
    return child;
  };
  const pushesFor = (tx: string) => fcm.delivered().filter((s) => s.message.data.uaePassTransactionID === tx).length;
  const consistency = () => checkConsistency(gw.db, { jobs: gw.redis, queuePrefix: queuePrefix(gw.config), pendingOlderThanSeconds: 30 });

  beforeAll(async () => {
    fcm = await new FakeFcm().start();
    // FCM holds the request open while `hang` is set: the job is mid-flight in the worker.
    fcm.answer = () => (hang ? 'hang' : 'ok');
    // This in-process gateway serves the API and relays the outbox; it consumes no queue.
    gw = await startGateway({ WORKERS_IN_PROCESS: 'false', ...fcm.env() });
    sp = await onboardSp(gw);
    user = await createUser(gw);
    await gw.app.get(DeviceRegistry).register(user.id, { platform: 'fcm', pushToken: `fcm-${randomBytes(16).toString('hex')}` });
    client = new SpClient(gw, sp);
  }, 60_000);
  afterAll(async () => {
    for (const c of children) await c.kill();
    await gw?.close();
    await fcm?.stop();
  });

  it('a worker killed mid-job loses no push: another worker takes the stalled jobs over', async () => {
    const first = spawnChild('worker');
    await first.ready;
    hang = true;
    const created: string[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await client.send(sendBody(sp, user));
      expect(res.status).toBe(201);
      created.push(res.body.uaePassTransactionID);
    }
    // Every job is active in the first worker, its FCM call in flight, when it dies.
    await until(async () => created.every((tx) => fcm.sends.some((s) => s.message.data.uaePassTransactionID === tx)), 20_000);
    await first.kill('SIGKILL');
    hang = false;
    // Sent while no worker runs at all: they wait in the queue.
    for (let i = 0; i < 4; i++) {
      const res = await client.send(sendBody(sp, user));
      expect(res.status).toBe(201);
      created.push(res.body.uaePassTransactionID);
    }
    const second = spawnChild('worker');
    await second.ready;
    await until(async () => created.every((tx) => pushesFor(tx) >= 1), 30_000, 200);
    await new Promise((r) => setTimeout(r, 1500)); // a second stall check: no duplicate shows up
    const lost = created.filter((tx) => pushesFor(tx) === 0);
    const duplicated = created.filter((tx) => pushesFor(tx) > 1);
    reportFault({
      fault: 'worker SIGKILL mid-job (8 jobs in flight)',
      sentDuringFault: 12,
      sentInTotal: created.length,
      created: created.length,
      coded503: 0,
      lost: lost.length,
      notes: `${duplicated.length} delivered twice`,
    });
    expect({ lost, duplicated }).toEqual({ lost: [], duplicated: [] });
    const report = await consistency();
    expect(describeReport(report)).toContain('consistent');
  }, 90_000);

  it('a server killed mid-request loses nothing it answered, and a retry of the unanswered ones is safe', async () => {
    const port = await freePort();
    const server = spawnChild('server', { PORT: String(port) });
    await server.ready;
    const api = new SpClient({ ...gw, url: `http://127.0.0.1:${port}` }, sp);
    await api.tokenPair();

    // 40 sends, 8 at a time; the server dies after the first few answers, the rest are in flight.
    const bodies = Array.from({ length: 40 }, () => sendBody(sp, user));
    // No answer at all is `{ failed }` (fetch's errors come from another realm than Jest's Error).
    type Answer = HttpResult | { failed: string };
    const answers = new Map<string, Answer>();
    const failed = (a: Answer | undefined): a is { failed: string } => !!a && 'failed' in a;
    let killed: Promise<void> | undefined;
    let next = 0;
    const lane = async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        answers.set(body.spTransactionID, await api.send(body).catch((e: Error & { cause?: { code?: string } }) => ({ failed: e.cause?.code ?? e.message })));
        if (!killed && [...answers.values()].filter((a) => !failed(a) && a.status === 201).length >= 5) killed = server.kill('SIGKILL');
      }
    };
    await Promise.all(Array.from({ length: 8 }, lane));
    await killed;
    const answered = bodies.filter((b) => !failed(answers.get(b.spTransactionID)));
    const unanswered = bodies.filter((b) => failed(answers.get(b.spTransactionID)));
    expect(unanswered.length).toBeGreaterThan(0);
    for (const b of answered) expect((answers.get(b.spTransactionID) as HttpResult).status).toBe(201);

    // Restarted on the same port; the SP retries what it never heard back about, byte for byte.
    const again = spawnChild('server', { PORT: String(port) });
    await again.ready;
    const retried = await Promise.all(unanswered.map(async (b) => ({ b, res: await api.send(b) })));
    for (const { res } of retried) expect([201, 409]).toContain(res.status);
    for (const { res } of retried.filter((r) => r.res.status === 409)) expect(res.body.code).toBe('CONS_1000001');

    // Exactly one transaction per spTransactionID, each complete, each pushed.
    const rows = await gw.db.query(`SELECT id, sp_transaction_id FROM consent_transactions WHERE sp_transaction_id = ANY($1)`, [
      bodies.map((b) => b.spTransactionID),
    ]);
    expect(rows.rows).toHaveLength(bodies.length);
    const ids: string[] = rows.rows.map((r: { id: string }) => r.id);
    for (const b of answered) expect(ids).toContain((answers.get(b.spTransactionID) as HttpResult).body.uaePassTransactionID);
    const worker = spawnChild('worker');
    await worker.ready;
    await until(async () => ids.every((tx) => pushesFor(tx) >= 1), 30_000, 200);
    const lost = ids.filter((tx) => pushesFor(tx) !== 1);
    reportFault({
      fault: 'server SIGKILL mid-request (40 sends, 8 concurrent)',
      sentDuringFault: unanswered.length,
      sentInTotal: bodies.length,
      created: rows.rows.length,
      coded503: 0,
      lost: lost.length,
      notes: `${unanswered.length} unanswered at the kill; on retry ${retried.filter((r) => r.res.status === 409).length} were already written (CONS_1000001), ${retried.filter((r) => r.res.status === 201).length} were not`,
    });
    expect(lost).toEqual([]);
    expect(describeReport(await consistency())).toContain('consistent');
  }, 120_000);
});
