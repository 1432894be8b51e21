import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 19: the console's charts read 5-minute rollups, never the event and attempt tables.
 *
 * `ops_rollup_5m` holds one row per 5-minute bucket and SP (`sp_id = ''` is every SP together),
 * maintained incrementally by OpsRollupService: each run folds the rows added since the
 * watermark of each source (`ops_rollup_watermarks.last_id`) into their buckets and moves the
 * watermark in the same database transaction, so a row is counted exactly once whichever
 * instance runs the job. The watermarks start at the sources' current ends: history begins at
 * the upgrade, with no backfill scan of tables that may be large.
 *
 * consent_events is partitioned by transaction id, so its key (transaction_id, id) cannot serve
 * "rows after id N": the index on id alone does.
 */
export class OpsRollups1764700000000 implements MigrationInterface {
  name = 'OpsRollups1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ops_rollup_5m (
        bucket                 timestamptz NOT NULL,
        sp_id                  text NOT NULL,
        triggered              integer NOT NULL DEFAULT 0,
        accepted               integer NOT NULL DEFAULT 0,
        rejected               integer NOT NULL DEFAULT 0,
        expired                integer NOT NULL DEFAULT 0,
        init_failed            integer NOT NULL DEFAULT 0,
        cancelled              integer NOT NULL DEFAULT 0,
        callbacks_delivered    integer NOT NULL DEFAULT 0,
        callbacks_failed       integer NOT NULL DEFAULT 0,
        push_delivered         integer NOT NULL DEFAULT 0,
        push_latency_hist      integer[] NOT NULL DEFAULT '{}',
        outbox_oldest_seconds  real NOT NULL DEFAULT 0,
        PRIMARY KEY (sp_id, bucket)
      )`);
    await q.query(`CREATE INDEX ops_rollup_5m_bucket ON ops_rollup_5m (bucket)`);
    await q.query(`CREATE TABLE ops_rollup_watermarks (source text PRIMARY KEY, last_id bigint NOT NULL)`);
    await q.query(`CREATE INDEX consent_events_id ON consent_events (id)`);
    await q.query(`
      INSERT INTO ops_rollup_watermarks (source, last_id)
      SELECT 'consent_events', coalesce(max(id), 0) FROM consent_events
      UNION ALL SELECT 'notification_attempts', coalesce(max(id), 0) FROM notification_attempts
      UNION ALL SELECT 'callback_attempts', coalesce(max(id), 0) FROM callback_attempts`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX consent_events_id`);
    await q.query(`DROP TABLE ops_rollup_watermarks`);
    await q.query(`DROP TABLE ops_rollup_5m`);
  }
}
