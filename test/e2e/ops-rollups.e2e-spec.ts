import { OpsRollupRepository } from '../../src/observability/ops-rollup.repository';
import { OpsRollupService } from '../../src/observability/ops-rollup.service';
import { onboardSp, SpClient, createUser, sendBody } from '../support/clients';
import { Gateway, startGateway } from '../support/gateway';
import { OpsFlow, runOpsFlow } from '../support/ops-flow';

interface Totals {
  triggered: number;
  accepted: number;
  rejected: number;
  expired: number;
  init_failed: number;
  cancelled: number;
  callbacks_delivered: number;
  callbacks_failed: number;
  push_delivered: number;
  push_hist: number;
}

describe('5-minute rollups behind the console charts', () => {
  let gw: Gateway;
  let flow: OpsFlow;
  let rollups: OpsRollupService;

  beforeAll(async () => {
    // The timer never fires during the test: each pass is run by hand, so the counts are exact.
    gw = await startGateway({ OPS_ROLLUP_INTERVAL_MS: '3600000', OPS_ROLLUP_SETTLE_SECONDS: '0' });
    rollups = gw.app.get(OpsRollupService);
    flow = await runOpsFlow(gw);
  });

  afterAll(async () => {
    await flow?.stop();
    await gw?.close();
  });

  async function totals(spId: string): Promise<Totals> {
    const { rows } = await gw.db.query(
      `SELECT coalesce(sum(triggered), 0)::int AS triggered, coalesce(sum(accepted), 0)::int AS accepted, coalesce(sum(rejected), 0)::int AS rejected,
              coalesce(sum(expired), 0)::int AS expired, coalesce(sum(init_failed), 0)::int AS init_failed, coalesce(sum(cancelled), 0)::int AS cancelled,
              coalesce(sum(callbacks_delivered), 0)::int AS callbacks_delivered, coalesce(sum(callbacks_failed), 0)::int AS callbacks_failed,
              coalesce(sum(push_delivered), 0)::int AS push_delivered,
              coalesce(sum((SELECT sum(x) FROM unnest(push_latency_hist) x)), 0)::int AS push_hist
         FROM ops_rollup_5m WHERE sp_id = $1`,
      [spId],
    );
    return rows[0];
  }

  /** The same figures counted straight from the source tables. */
  async function truth(spId: string): Promise<Totals> {
    const { rows } = await gw.db.query(
      `SELECT (SELECT count(*) FROM consent_events e JOIN consent_transactions t ON t.id = e.transaction_id WHERE t.sp_id = $1 AND e.to_status = 'TRIGGERED')::int AS triggered,
              (SELECT count(*) FROM consent_events e JOIN consent_transactions t ON t.id = e.transaction_id WHERE t.sp_id = $1 AND e.to_status = 'ACCEPTED')::int AS accepted,
              (SELECT count(*) FROM consent_events e JOIN consent_transactions t ON t.id = e.transaction_id WHERE t.sp_id = $1 AND e.to_status = 'REJECTED')::int AS rejected,
              0 AS expired,
              (SELECT count(*) FROM consent_events e JOIN consent_transactions t ON t.id = e.transaction_id WHERE t.sp_id = $1 AND e.to_status = 'INIT_FAILED')::int AS init_failed,
              (SELECT count(*) FROM consent_events e JOIN consent_transactions t ON t.id = e.transaction_id WHERE t.sp_id = $1 AND e.to_status = 'CANCELLED')::int AS cancelled,
              (SELECT count(*) FROM callback_attempts a JOIN consent_transactions t ON t.id = a.transaction_id WHERE t.sp_id = $1 AND a.delivered)::int AS callbacks_delivered,
              (SELECT count(*) FROM callback_attempts a JOIN consent_transactions t ON t.id = a.transaction_id WHERE t.sp_id = $1 AND NOT a.delivered)::int AS callbacks_failed,
              (SELECT count(*) FROM notification_attempts a JOIN consent_transactions t ON t.id = a.transaction_id WHERE t.sp_id = $1 AND a.outcome = 'delivered')::int AS push_delivered`,
      [spId],
    );
    return { ...rows[0], push_hist: rows[0].push_delivered };
  }

  it('leaves rows younger than the settle time, and their watermark, for a later pass', async () => {
    const before = (await gw.db.query(`SELECT source, last_id FROM ops_rollup_watermarks ORDER BY source`)).rows;
    expect(before.map((r) => r.source)).toEqual(['callback_attempts', 'consent_events', 'notification_attempts']);
    const folded = await gw.app.get(OpsRollupRepository).fold(3600, 1000);
    expect(folded).toEqual({ consent_events: 0, notification_attempts: 0, callback_attempts: 0 });
    expect((await gw.db.query(`SELECT source, last_id FROM ops_rollup_watermarks ORDER BY source`)).rows).toEqual(before);
    expect(await totals('')).toMatchObject({ triggered: 0, callbacks_delivered: 0 });
  });

  it('folds every send, outcome, push and callback of the flow once, per SP and for every SP', async () => {
    await rollups.run();
    const expected = await truth(flow.sp.clientId);
    expect(expected).toMatchObject({ triggered: 4, accepted: 1, rejected: 1, cancelled: 1, init_failed: 1 });
    expect(expected.callbacks_failed).toBeGreaterThanOrEqual(1);
    expect(expected.push_delivered).toBeGreaterThanOrEqual(3);
    expect(await totals(flow.sp.clientId)).toEqual(expected);
    expect(await totals('')).toEqual(expected);
  });

  it('counts nothing twice when passes run again, even two at once (as two instances would)', async () => {
    const first = await totals('');
    await Promise.all([rollups.run(), rollups.run(), gw.app.get(OpsRollupRepository).fold(0, 1000)]);
    expect(await totals('')).toEqual(first);

    // A new SP's send after the watermark: counted once, under its SP and in the total.
    const other = await onboardSp(gw);
    const user = await createUser(gw);
    expect((await new SpClient(gw, other).send(sendBody(other, user))).status).toBe(201);
    await rollups.run();
    await rollups.run();
    expect((await totals(other.clientId)).triggered).toBe(1);
    expect((await totals('')).triggered).toBe(first.triggered + 1);
  });

  it('samples the outbox backlog into the current bucket', async () => {
    const { rows } = await gw.db.query(`SELECT outbox_oldest_seconds FROM ops_rollup_5m WHERE sp_id = '' AND bucket > now() - interval '5 minutes'`);
    expect(rows).toHaveLength(1);
    expect(rows[0].outbox_oldest_seconds).toBeGreaterThanOrEqual(0);
  });

  it('answers 24 hours of 5-minute series from the rollups, with push latency percentiles', async () => {
    const all = await rollups.lastDay();
    expect(all.buckets).toHaveLength(288);
    expect(all.buckets[1] - all.buckets[0]).toBe(300_000);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const expected = await truth(flow.sp.clientId);
    const sp = await rollups.lastDay(flow.sp.clientId);
    expect(sum(sp.sends.triggered)).toBe(4);
    expect(sum(sp.sends.accepted)).toBe(1);
    expect(sum(sp.sends.initFailed)).toBe(1);
    expect(sum(sp.callbacksFailed)).toBe(expected.callbacks_failed);
    expect(sum(sp.callbacksDelivered)).toBe(expected.callbacks_delivered);
    expect(sum(all.sends.triggered)).toBe(5);
    const p50 = sp.pushP50Ms.filter((v): v is number => v !== null);
    const p99 = sp.pushP99Ms.filter((v): v is number => v !== null);
    expect(p50.length).toBeGreaterThan(0);
    p50.forEach((v, i) => expect(p99[i]).toBeGreaterThanOrEqual(v));
  });

  it('never moves the watermark past a row that has not settled, even when rows after it have', async () => {
    const repo = gw.app.get(OpsRollupRepository);
    await rollups.run();
    const before = await totals('');
    // An event stamped in the future stands for a transaction still open; the one after it is old.
    const { rows: open } = await gw.db.query(
      `INSERT INTO consent_events (transaction_id, from_status, to_status, actor, at) VALUES ($1, 'TRIGGERED', 'EXPIRED', 'test', now() + interval '1 hour') RETURNING id`,
      [flow.outcomes.accepted],
    );
    await gw.db.query(
      `INSERT INTO consent_events (transaction_id, from_status, to_status, actor, at) VALUES ($1, 'TRIGGERED', 'EXPIRED', 'test', now() - interval '1 hour')`,
      [flow.outcomes.rejected],
    );
    expect((await repo.fold(0, 1000)).consent_events).toBe(0);
    const { rows: mark } = await gw.db.query(`SELECT last_id FROM ops_rollup_watermarks WHERE source = 'consent_events'`);
    expect(BigInt(mark[0].last_id)).toBeLessThan(BigInt(open[0].id));
    expect((await totals('')).expired).toBe(before.expired);
  });
});
