import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RUNS_WORKERS } from '../common/core.module';
import { PeriodicTask } from '../common/periodic-task';
import { APP_CONFIG, AppConfig } from '../config/config';

/** Past this many pages at its last ANALYZE, a table's lookups by key keep their index scan as it grows. */
const SMALL_TABLE_PAGES = 128;

/**
 * This schema's tables that have more than doubled since the size their plans were made for: the
 * ones analyzed at under SMALL_TABLE_PAGES, and the never-analyzed ones (planned from their size
 * then, at least 10 pages; autovacuum may be off, or not have come round yet).
 */
const OUTGROWN_SQL = `
  SELECT format('%I.%I', n.nspname, c.relname) AS name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = current_schema() AND c.relkind = 'r' AND (c.reltuples < 0 OR c.relpages < $1)
     AND pg_relation_size(c.oid) > 2 * current_setting('block_size')::bigint * greatest(c.relpages, CASE WHEN c.reltuples < 0 THEN 10 ELSE 1 END)`;

/**
 * Keeps the planner's statistics of young tables in step with their size. Every pooled session
 * runs with generic plans (DATABASE_PLAN_CACHE_MODE): a statement, and each foreign-key check, is
 * planned once per connection from the statistics of that moment and kept until the table is
 * analyzed again. A table analyzed while (nearly) empty (autovacuum after its first 50 rows, an
 * operator's database-wide ANALYZE after a restore), or never analyzed and planned while small
 * (autovacuum off, or behind), is planned as a sequential scan: every send then scans this
 * month's partition, which it is filling, at 2-5x the Postgres CPU per send (docs/benchmark.md,
 * fourth session). ANALYZE of such a table takes milliseconds and makes every session plan
 * again. Runs in worker processes, every PLANNER_STATS_INTERVAL_MS.
 */
@Injectable()
export class PlannerStatsGuard implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(PlannerStatsGuard.name);
  private readonly task = new PeriodicTask(
    () => this.run(),
    (err) => this.logger.warn(`planner statistics check failed: ${String(err)}`),
  );

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RUNS_WORKERS) private readonly runsWorkers: boolean,
  ) {}

  onApplicationBootstrap(): void {
    if (this.runsWorkers && this.config.plannerStatsIntervalMs > 0) this.task.start(this.config.plannerStatsIntervalMs);
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }

  /** One pass: analyzes each outgrown small table; answers their names. */
  async run(): Promise<string[]> {
    const rows: { name: string }[] = await this.db.query(OUTGROWN_SQL, [SMALL_TABLE_PAGES]);
    // SKIP_LOCKED: another instance (or autovacuum) analyzing it already is as good.
    for (const { name } of rows) await this.db.query(`ANALYZE (SKIP_LOCKED) ${name}`);
    return rows.map((r) => r.name);
  }
}
