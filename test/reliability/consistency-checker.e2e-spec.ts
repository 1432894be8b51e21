import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { checkConsistency } from '../../src/consent/consistency-checker';
import { queuePrefix } from '../../src/notifications/queues';
import { OutboxRelay } from '../../src/outbox/outbox-relay.service';
import { createUser, onboardSp, sendBody, SpClient } from '../support/clients';
import { Gateway, startGateway } from '../support/gateway';

/** The checker must see what is wrong, and only that: each fault planted by hand in SQL. */
describe('consistency checker (npm run check:consistency)', () => {
  let gw: Gateway;
  let client: SpClient;
  let sp: Awaited<ReturnType<typeof onboardSp>>;

  beforeAll(async () => {
    // No workers: nothing moves while faults are planted.
    gw = await startGateway({ WORKERS_IN_PROCESS: 'false' });
    sp = await onboardSp(gw);
    client = new SpClient(gw, sp);
  });
  afterAll(async () => {
    await gw?.close();
  });

  const check = () => checkConsistency(gw.db, { jobs: gw.redis, queuePrefix: queuePrefix(gw.config), pendingOlderThanSeconds: 60 });
  async function newTransaction(): Promise<string> {
    const res = await client.send(sendBody(sp, await createUser(gw)));
    expect(res.status).toBe(201);
    return res.body.uaePassTransactionID;
  }
  const runScript = (args: string[] = []) =>
    spawnSync(process.execPath, ['-r', 'ts-node/register', 'scripts/check-consistency.ts', ...args], {
      cwd: join(__dirname, '..', '..'),
      env: {
        PATH: process.env.PATH,
        TS_NODE_SWC: 'true',
        TS_NODE_TRANSPILE_ONLY: 'true',
        DATABASE_URL: gw.config.databaseUrl,
        REDIS_URL: gw.config.redisUrl,
        REDIS_PREFIX: gw.config.redisPrefix,
        DATA_DIR: gw.config.dataDir,
      },
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('finds nothing wrong in what the gateway wrote, and the script exits 0', async () => {
    await newTransaction();
    await newTransaction();
    const report = await check();
    expect(report.problems).toEqual([]);
    expect(report.checked.transactions).toBe(2);
    const run = runScript();
    expect({ status: run.status, out: run.stdout }).toEqual({ status: 0, out: expect.stringContaining('consistent: no problem found') });
  });

  it('reports a status that differs from the last event, an illegal chain, missing rows, a lost job and a stuck outbox row; the script exits 1', async () => {
    const drifted = await newTransaction();
    await gw.db.query(`UPDATE consent_transactions SET status = 'ACCEPTED' WHERE id = $1`, [drifted]);

    const illegal = await newTransaction();
    await gw.db.query(
      `INSERT INTO consent_events (transaction_id, from_status, to_status, actor) VALUES ($1, 'TRIGGERED', 'REJECTED', 'test'), ($1, 'REJECTED', 'ACCEPTED', 'test')`,
      [illegal],
    );
    await gw.db.query(`UPDATE consent_transactions SET status = 'ACCEPTED' WHERE id = $1`, [illegal]);

    const bare = await newTransaction();
    await gw.db.query(`DELETE FROM consent_documents WHERE transaction_id = $1`, [bare]);
    await gw.db.query(`DELETE FROM outbox WHERE transaction_id = $1`, [bare]);

    // Relayed (job in Redis), then the job vanishes: as when Redis lost data without persistence.
    const lostJob = await newTransaction();
    const relayed = await (async () => {
      for (let i = 0; i < 100; i++) {
        const r = await gw.db.query(`SELECT event_id FROM outbox WHERE transaction_id = $1 AND dispatched_at IS NOT NULL`, [lostJob]);
        if (r.rows[0]) return r.rows[0].event_id as string;
        await new Promise((ok) => setTimeout(ok, 50));
      }
      throw new Error('outbox row never relayed');
    })();
    await gw.redis.del(`${queuePrefix(gw.config)}:push-notifications:push-${relayed}`);

    const stuck = await newTransaction();
    // The running relay would move the stuck row on at its next poll, before or during the check:
    // stopped here (as at shutdown), the row stays stuck for the check and the script alike.
    await gw.app.get(OutboxRelay).beforeApplicationShutdown();
    await gw.db.query(`UPDATE outbox SET dispatched_at = NULL, created_at = now() - interval '1 hour' WHERE transaction_id = $1`, [stuck]);

    const report = await check();
    const found = report.problems.map((p) => `${p.kind} ${p.transactionId}`).sort();
    expect(found).toEqual(
      [
        `status-differs-from-last-event ${drifted}`,
        `illegal-event-chain ${illegal}`,
        `no-callback-outbox-row ${illegal}`,
        `no-callback-outbox-row ${illegal}`,
        `no-documents ${bare}`,
        `no-push-outbox-row ${bare}`,
        `dispatched-without-job-or-record ${lostJob}`,
        `outbox-row-stuck-pending ${stuck}`,
      ].sort(),
    );
    const run = runScript();
    expect(run.status).toBe(1);
    for (const kind of [
      'status-differs-from-last-event',
      'illegal-event-chain',
      'no-documents',
      'dispatched-without-job-or-record',
      'outbox-row-stuck-pending',
    ])
      expect(run.stdout).toContain(kind);
  });
});
