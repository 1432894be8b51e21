import { loadConfig } from '../../src/config/config';
import { PlannerStatsGuard } from '../../src/database/planner-stats-guard.service';
import { eventually, sendBody, SpClient, SpCredentials, startWithSpAndUser, TestUser } from '../support/clients';
import type { Gateway } from '../support/gateway';

/**
 * Generic plans are made once per connection from the statistics of that moment. A partition
 * analyzed while empty (a database-wide ANALYZE after a restore; the bench's bulk load did it)
 * or nearly so is planned as a sequential scan, and the plan outlives the partition's growth:
 * every send's foreign-key checks then scan this month's partition. PlannerStatsGuard analyzes such tables
 * again. The guard's timer is off here (PLANNER_STATS_INTERVAL_MS=0): the test runs it itself,
 * to see the scans before and after.
 */
describe('planner statistics of young tables (PlannerStatsGuard)', () => {
  let gw: Gateway;
  let sp: SpCredentials;
  let client: SpClient;
  let user: TestUser;
  let partition: string;

  beforeAll(async () => {
    // Two pooled connections, so a handful of concurrent sends plan on both. The periodic jobs
    // that read the whole table (metrics gauges, expiry sweep, ops rollups) wait an hour, so the
    // partition's scan counts are the sends' alone.
    const hour = String(3_600_000);
    ({ gw, sp, client, user } = await startWithSpAndUser({
      DATABASE_POOL_SIZE: '2',
      PLANNER_STATS_INTERVAL_MS: '0',
      WORKERS_IN_PROCESS: 'false',
      METRICS_REFRESH_INTERVAL_MS: hour,
      EXPIRY_SWEEP_INTERVAL_MS: hour,
      OPS_ROLLUP_INTERVAL_MS: hour,
    }));
    const { rows } = await gw.db.query(`SELECT 'consent_transactions_' || to_char(now() AT TIME ZONE 'UTC', '"y"YYYY"m"MM') AS name`);
    partition = rows[0].name;
  });
  afterAll(async () => {
    await gw?.close();
  });

  /** Scans of this month's partition by the gateway's sessions, as the statistics collector has them. */
  async function scans(): Promise<{ seq: number; idx: number }> {
    await gw.db.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await gw.db.query(`SELECT seq_scan::int AS seq, coalesce(idx_scan, 0)::int AS idx FROM pg_stat_user_tables WHERE relname = $1`, [
      partition,
    ]);
    return rows[0];
  }

  async function sendMany(n: number): Promise<void> {
    const answers = await Promise.all(Array.from({ length: n }, () => client.send(sendBody(sp, user))));
    expect(answers.map((a) => a.status)).toEqual(Array(n).fill(201));
  }

  /** Waits until the collector's counts have moved from `before` as `moved` says, and answers the moves. */
  async function countedSince(before: { seq: number; idx: number }, moved: (d: { seq: number; idx: number }) => boolean, what: string) {
    // Backends report their counters within about ten seconds of going idle.
    return eventually(
      async () => {
        const now = await scans();
        const d = { seq: now.seq - before.seq, idx: now.idx - before.idx };
        return moved(d) && d;
      },
      20_000,
      what,
    );
  }

  it('analyzes a partition that outgrew the statistics it was planned with, after which sends look rows up by index', async () => {
    // A database-wide ANALYZE (after a restore, or the bench's bulk load) finds the month's partition empty...
    await gw.db.query(`ANALYZE ${partition}`);
    // ...the sessions plan their statements on those statistics...
    await sendMany(8);
    // ...and the month goes on: the partition grows, no ANALYZE yet (the insert's own key checks counted first).
    const beforeGrowth = await scans();
    await gw.db.query(
      `INSERT INTO consent_transactions (id, sp_id, sp_transaction_id, user_id, id_doc_type, request_type, requested_by_id, status, expires_at)
       SELECT consent_uuid_v7(), $1, 'grown-' || g, $2, 'EMIRATES_ID', 'spToSp', $1, 'EXPIRED', now() FROM generate_series(1, 20000) g`,
      [sp.clientId, user.id],
    );
    await countedSince(beforeGrowth, (d) => d.idx >= 20_000, 'the growth counted');

    // What was seen: each send's three foreign-key checks scan the whole partition.
    const beforeStale = await scans();
    await sendMany(10);
    await countedSince(beforeStale, (d) => d.seq >= 30, 'ten sends scanning the partition three times each');
    // A send checks more keys than three; an idle backend reports the rest of its counts within
    // 10 s (Postgres 15 has no way to ask for them): wait them out, so none land in the next window.
    await new Promise((r) => setTimeout(r, 11_000));

    const analyzed = await gw.app.get(PlannerStatsGuard).run();
    expect(analyzed).toContain(`public.${partition}`);
    const { rows } = await gw.db.query(`SELECT reltuples FROM pg_class WHERE relname = $1`, [partition]);
    expect(rows[0].reltuples).toBeGreaterThan(20_000);

    // Every session planned again: the same checks go by index.
    const beforeFresh = await scans();
    await sendMany(10);
    const fresh = await countedSince(beforeFresh, (d) => d.idx + d.seq >= 30, 'ten sends counted');
    expect(fresh.seq).toBe(0);
    expect(fresh.idx).toBeGreaterThanOrEqual(30);

    // Nothing left to do until a table outgrows its statistics again.
    expect(await gw.app.get(PlannerStatsGuard).run()).not.toContain(`public.${partition}`);
  });

  it('runs every PLANNER_STATS_INTERVAL_MS (5 s by default; 0 turns it off)', () => {
    expect(loadConfig({}).plannerStatsIntervalMs).toBe(5000);
    expect(loadConfig({ PLANNER_STATS_INTERVAL_MS: '0' }).plannerStatsIntervalMs).toBe(0);
    expect(() => loadConfig({ PLANNER_STATS_INTERVAL_MS: 'often' })).toThrow('PLANNER_STATS_INTERVAL_MS="often" is invalid');
  });
});
