import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/config';
import { RETENTION_QUEUE, RETENTION_SCHEDULER_ID, RetentionService } from './retention.service';

/**
 * Runs the retention sweep on a BullMQ job scheduler (a repeatable job): however many workers
 * run, Redis hands each tick to exactly one of them. Registered only where workers run.
 */
@Processor(RETENTION_QUEUE, { concurrency: 1 })
export class RetentionProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly retention: RetentionService,
    @InjectQueue(RETENTION_QUEUE) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
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
