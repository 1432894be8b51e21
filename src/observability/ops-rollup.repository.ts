import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { latencyHistogramSql } from './latency-histogram';

/** `sp_id` of the rows that count every SP together. */
export const ALL_SPS = '';
const BUCKET = `date_bin('5 minutes', %s, TIMESTAMPTZ '2000-01-01 00:00:00+00')`;
const bucketOf = (expr: string) => BUCKET.replace('%s', expr);

/** One 5-minute bucket as stored. */
export interface RollupRow {
  bucket: Date;
  triggered: number;
  accepted: number;
  rejected: number;
  expired: number;
  init_failed: number;
  cancelled: number;
  callbacks_delivered: number;
  callbacks_failed: number;
  push_delivered: number;
  push_latency_hist: number[];
  outbox_oldest_seconds: number;
}

/**
 * A table the rollups read after a watermark: its rows (`s`, with their transaction's `sp_id` and
 * `tx_created_at`) become these columns, added to what the bucket already holds.
 */
interface Source {
  table: 'consent_events' | 'notification_attempts' | 'callback_attempts';
  columns: { name: keyof RollupRow; aggregate: string; merge?: string }[];
  where?: string;
}

const SOURCES: Source[] = [
  {
    table: 'consent_events',
    columns: (['triggered', 'accepted', 'rejected', 'expired', 'init_failed', 'cancelled'] as const).map((name) => ({
      name,
      aggregate: `count(*) FILTER (WHERE s.to_status = '${name.toUpperCase()}')::int`,
    })),
  },
  {
    // Latency from the send's 201 (the transaction's creation) to the provider taking the push.
    table: 'notification_attempts',
    where: `s.outcome = 'delivered'`,
    columns: [
      { name: 'push_delivered', aggregate: 'count(*)::int' },
      {
        name: 'push_latency_hist',
        aggregate: latencyHistogramSql('extract(epoch FROM s.at - s.tx_created_at) * 1000'),
        merge: `ARRAY(SELECT coalesce(a, 0) + coalesce(b, 0) FROM unnest(ops_rollup_5m.push_latency_hist, EXCLUDED.push_latency_hist) WITH ORDINALITY AS u(a, b, i) ORDER BY i)`,
      },
    ],
  },
  {
    table: 'callback_attempts',
    columns: [
      { name: 'callbacks_delivered', aggregate: 'count(*) FILTER (WHERE s.delivered)::int' },
      { name: 'callbacks_failed', aggregate: 'count(*) FILTER (WHERE NOT s.delivered)::int' },
    ],
  },
];

/**
 * Folds the rows after the watermark into their buckets, per SP and for every SP (GROUPING SETS),
 * and answers the last id folded. Only the rows before the first one younger than the settle time
 * are taken: a row that commits after a younger one with a higher id is still ahead of the watermark.
 */
function foldSql(source: Source): string {
  const names = source.columns.map((c) => c.name);
  return `WITH upto AS (
      SELECT coalesce(min(s.id), 9223372036854775807) AS id FROM ${source.table} s
       WHERE s.id > $1 AND s.at >= now() - make_interval(secs => $2)
    ), batch AS (
      SELECT s.*, t.sp_id, t.created_at AS tx_created_at, ${bucketOf('s.at')} AS bucket
        FROM ${source.table} s JOIN consent_transactions t ON t.id = s.transaction_id
       WHERE s.id > $1 AND s.id < (SELECT id FROM upto)
       ORDER BY s.id LIMIT $3
    ), folded AS (
      INSERT INTO ops_rollup_5m (bucket, sp_id, ${names.join(', ')})
      SELECT s.bucket, coalesce(s.sp_id, '${ALL_SPS}'), ${source.columns.map((c) => c.aggregate).join(', ')}
        FROM batch s ${source.where ? `WHERE ${source.where}` : ''}
       GROUP BY GROUPING SETS ((s.bucket, s.sp_id), (s.bucket))
      ON CONFLICT (sp_id, bucket) DO UPDATE SET ${source.columns.map((c) => `${c.name} = ${c.merge ?? `ops_rollup_5m.${c.name} + EXCLUDED.${c.name}`}`).join(', ')}
    )
    SELECT max(id)::text AS last, count(*)::int AS n FROM batch`;
}

/** All SQL on ops_rollup_5m and ops_rollup_watermarks. */
@Injectable()
export class OpsRollupRepository {
  private readonly folds = SOURCES.map((s) => ({ table: s.table, sql: foldSql(s) }));

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * One source's new rows folded in, and its watermark moved, in one database transaction. Another
   * instance folding the same source holds the watermark's row: this one skips it (SKIP LOCKED).
   * Answers the rows folded per source.
   */
  async fold(settleSeconds: number, batchSize: number): Promise<Record<string, number>> {
    const folded: Record<string, number> = {};
    for (const { table, sql } of this.folds) {
      folded[table] = await this.db.transaction(async (m) => {
        const mark: { last_id: string }[] = await m.query(`SELECT last_id FROM ops_rollup_watermarks WHERE source = $1 FOR UPDATE SKIP LOCKED`, [table]);
        if (!mark.length) return 0;
        const [r]: { last: string | null; n: number }[] = await m.query(sql, [mark[0].last_id, settleSeconds, batchSize]);
        if (r.last) await m.query(`UPDATE ops_rollup_watermarks SET last_id = $2 WHERE source = $1`, [table, r.last]);
        return r.n;
      });
    }
    return folded;
  }

  /**
   * Samples the age of the oldest outbox row not yet relayed into the current bucket (the bucket
   * keeps the highest sample). The grand total always yields a row, so "every SP" records 0 too.
   */
  async sampleOutbox(): Promise<void> {
    await this.db.query(
      `INSERT INTO ops_rollup_5m (bucket, sp_id, outbox_oldest_seconds)
       SELECT ${bucketOf('now()')}, coalesce(t.sp_id, '${ALL_SPS}'), coalesce(extract(epoch FROM now() - min(o.created_at)), 0)
         FROM outbox o JOIN consent_transactions t ON t.id = o.transaction_id
        WHERE o.dispatched_at IS NULL
        GROUP BY GROUPING SETS ((t.sp_id), ())
       ON CONFLICT (sp_id, bucket) DO UPDATE SET outbox_oldest_seconds = GREATEST(ops_rollup_5m.outbox_oldest_seconds, EXCLUDED.outbox_oldest_seconds)`,
    );
  }

  async pruneOlderThan(days: number): Promise<void> {
    await this.db.query(`DELETE FROM ops_rollup_5m WHERE bucket < now() - make_interval(days => $1)`, [days]);
  }

  /** The buckets of one SP (or ALL_SPS) from `since` on, oldest first: at most 288 rows a day, by primary key. */
  async buckets(spId: string, since: Date): Promise<RollupRow[]> {
    return this.db.query(
      `SELECT bucket, triggered, accepted, rejected, expired, init_failed, cancelled, callbacks_delivered, callbacks_failed,
              push_delivered, push_latency_hist, outbox_oldest_seconds
         FROM ops_rollup_5m WHERE sp_id = $1 AND bucket >= $2 ORDER BY bucket`,
      [spId, since],
    );
  }
}
