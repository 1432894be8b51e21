import { checkConsistency, describeReport } from '../../src/consent/consistency-checker';
import { queuePrefix } from '../../src/notifications/queues';
import { createUser, onboardSp, SpClient, SpCredentials, TestUser } from '../support/clients';
import { leaksInternals, SendStream, until } from '../support/fault-load';
import { PostgresCluster, startPostgresCluster } from '../support/fault-postgres';
import { reportFault } from '../support/fault-report';
import { Gateway, startGateway } from '../support/gateway';

const OUTAGE_MS = Number(process.env.RELIABILITY_PG_OUTAGE_MS ?? 5_000);

describe('fault: Postgres stopped and restarted during sends', () => {
  let pg: PostgresCluster;
  let gw: Gateway;
  let sp: SpCredentials;
  let user: TestUser;
  let client: SpClient;

  beforeAll(async () => {
    pg = await startPostgresCluster();
    const url = await pg.createDatabase('muwafaqa_fault');
    gw = await startGateway({ DATABASE_POOL_SIZE: '5' }, url);
    sp = await onboardSp(gw);
    user = await createUser(gw);
    client = new SpClient(gw, sp);
    await client.tokenPair();
  }, 90_000);
  afterAll(async () => {
    await gw?.close().catch(() => undefined);
    await pg?.destroy();
  });

  it('answers a coded 503 during the outage, recovers by itself, and leaves no half-written transaction', async () => {
    let phase = 'before';
    const stream = new SendStream(client, sp, user, () => phase, 50).start();
    await until(async () => stream.outcomes.filter((o) => o.status === 201).length >= 5, 10_000);

    phase = 'outage';
    await pg.stop();
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    await pg.start();
    phase = 'after';
    // Nobody restarts the gateway: the pool drops dead connections and opens new ones.
    await until(async () => stream.outcomes.filter((o) => o.phase === 'after' && o.status === 201).length >= 5, 30_000);
    const outcomes = await stream.stop();

    const odd = outcomes.filter((o) => !(o.status === 201 || (o.status === 503 && o.code === 'REQ_1000006' && o.bilingual)) || leaksInternals(o.text));
    expect(odd).toEqual([]);
    const during = outcomes.filter((o) => o.phase === 'outage');
    expect(during.some((o) => o.status === 503)).toBe(true);
    expect(outcomes.filter((o) => o.phase === 'after').some((o) => o.status === 201)).toBe(true);

    // Every 201 is in the database; a 503 wrote nothing.
    const created = outcomes.filter((o) => o.status === 201);
    const refused = outcomes.filter((o) => o.status === 503);
    const rows = await gw.db.query(`SELECT id, sp_transaction_id FROM consent_transactions WHERE sp_id = $1`, [sp.clientId]);
    const stored = new Map(rows.rows.map((r: { id: string; sp_transaction_id: string }) => [r.sp_transaction_id, r.id]));
    const lost = created.filter((o) => stored.get(o.spTransactionID) !== o.uaePassTransactionID);
    const writtenAnyway = refused.filter((o) => stored.has(o.spTransactionID));
    reportFault({
      fault: `Postgres stopped ${OUTAGE_MS / 1000} s (pg_ctl stop -m fast, start)`,
      sentDuringFault: during.length,
      sentInTotal: outcomes.length,
      created: created.length,
      coded503: refused.length,
      lost: lost.length,
      notes: `${writtenAnyway.length} answered 503 but written`,
    });
    expect({ lost, writtenAnyway }).toEqual({ lost: [], writtenAnyway: [] });

    // No half-written transaction: documents, TRIGGERED event and push outbox row, every one.
    await until(async () => (await gw.db.query(`SELECT count(*)::int AS n FROM outbox WHERE dispatched_at IS NULL`)).rows[0].n === 0, 10_000);
    const report = await checkConsistency(gw.db, { jobs: gw.redis, queuePrefix: queuePrefix(gw.config), pendingOlderThanSeconds: 30 });
    expect(describeReport(report)).toContain('consistent');
    expect(report.checked.transactions).toBe(created.length);
  });
});
