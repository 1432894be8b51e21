import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RUNS_WORKERS } from '../common/core.module';
import { PeriodicTask } from '../common/periodic-task';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ConsentTransitions } from './consent-transitions.service';
import { ConsentRepository } from './consent.repository';

/**
 * Moves pending transactions past their expiry to EXPIRED through the state machine (so each
 * gets its event and its SP callback). SKIP LOCKED lets any number of instances sweep at once
 * without taking the same rows.
 */
@Injectable()
export class ExpirySweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ExpirySweeper.name);
  private readonly task = new PeriodicTask(
    () => this.sweep(),
    // A sweep that failed (database away) is simply tried again at the next tick.
    () => undefined,
  );

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly consents: ConsentRepository,
    private readonly transitions: ConsentTransitions,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RUNS_WORKERS) private readonly runsWorkers: boolean,
  ) {}

  onApplicationBootstrap(): void {
    if (this.runsWorkers) this.task.start(this.config.expirySweepIntervalMs);
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }

  /** Expires one batch; answers how many moved. */
  async sweep(batch = 200): Promise<number> {
    return this.db.transaction(async (manager) => {
      const due = await this.consents.lockOverdue(batch, manager);
      let moved = 0;
      for (const id of due) {
        if (await this.transitions.tryTransition(id, 'EXPIRED', 'system:expiry', { manager })) moved++;
      }
      if (moved > 0) this.logger.log(`expired ${moved} transaction(s)`);
      return moved;
    });
  }
}
