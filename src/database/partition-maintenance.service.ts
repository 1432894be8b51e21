import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RUNS_WORKERS } from '../common/core.module';
import { PeriodicTask } from '../common/periodic-task';
import { APP_CONFIG, AppConfig } from '../config/config';

/**
 * Keeps the monthly partitions of consent_transactions, consent_documents and consent_events
 * ready ahead of time, and (when PARTITION_RETENTION_MONTHS is set) detaches the old ones for
 * archiving. The work is in SQL functions (the PartitionConsentTables migration) that take an
 * advisory lock and are idempotent, so every worker instance may run this timer.
 */
@Injectable()
export class PartitionMaintenance implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(PartitionMaintenance.name);
  private readonly task = new PeriodicTask(
    () => this.run(),
    (err) => this.logger.warn(`partition maintenance failed: ${String(err)}`),
  );

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RUNS_WORKERS) private readonly runsWorkers: boolean,
  ) {}

  onApplicationBootstrap(): void {
    if (this.runsWorkers) this.task.start(this.config.partitionMaintenanceIntervalMs, { immediately: true });
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }

  /** One pass: create what is missing, detach what is past retention. */
  async run(): Promise<{ created: string[]; detached: string[] }> {
    const created = await this.ensure(this.config.partitionMonthsAhead);
    const detached = this.config.partitionRetentionMonths > 0 ? await this.detachOlderThan(this.config.partitionRetentionMonths) : [];
    return { created, detached };
  }

  /** Creates the partitions of this month and the next `monthsAhead` (and past `monthsBack`); answers the new tables. */
  async ensure(monthsAhead: number, monthsBack = 0): Promise<string[]> {
    const rows: { name: string }[] = await this.db.query(`SELECT consent_ensure_partitions($1, $2) AS name`, [monthsAhead, monthsBack]);
    if (rows.length) this.logger.log(`created partitions ${rows.map((r) => r.name).join(', ')}`);
    return rows.map((r) => r.name);
  }

  /** Detaches (never drops) every month that ended more than `keepMonths` months ago; answers the detached tables. */
  async detachOlderThan(keepMonths: number): Promise<string[]> {
    const rows: { name: string }[] = await this.db.query(`SELECT consent_detach_partitions($1) AS name`, [keepMonths]);
    if (rows.length) this.logger.log(`detached partitions ${rows.map((r) => r.name).join(', ')} (archive or drop them)`);
    return rows.map((r) => r.name);
  }
}
