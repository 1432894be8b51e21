import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/config';
import { RETENTION_QUEUE, RETENTION_SCHEDULER_ID, RetentionService } from './retention.service';

/**
 * Runs the retention sweep on a BullMQ job scheduler (a repeatable job): however many workers
 * run, Redis hands each tick to exactly one of them. Registered only where workers run.
 */
@Processor(RETENTION_QUEUE, { concurrency: 1 })
export class RetentionProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(RetentionProcessor.name);

  constructor(
    private readonly retention: RetentionService,
    @InjectQueue(RETENTION_QUEUE) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    // Without listeners, BullMQ prints a Redis outage's every reconnect error as a bare stack
    // trace (console.error); they go to the log instead, and the queue reconnects by itself.
    this.worker.on('error', (err) => this.logger.warn(`retention worker: ${err.message}`));
    this.queue.on('error', (err) => this.logger.warn(`retention queue: ${err.message}`));
    // Upsert: every worker may call it; the schedule is one, and follows the latest interval.
    await this.queue.upsertJobScheduler(
      RETENTION_SCHEDULER_ID,
      { every: this.config.retentionSweepIntervalMs },
      { name: 'sweep', data: {}, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } },
    );
  }

  async process(_job: Job): Promise<{ anonymised: number }> {
    return { anonymised: await this.retention.sweep() };
  }
}
