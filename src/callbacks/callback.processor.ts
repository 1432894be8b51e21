import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/config';
import { workerLockOptions } from '../outbox/queue-options';
import { CALLBACK_QUEUE, CallbackJobData } from './callback-queue';
import { CallbackDelivery } from './callback-delivery.service';

/** Consumes the sp-callbacks queue; a thrown error makes BullMQ retry with exponential backoff. */
@Processor(CALLBACK_QUEUE, { autorun: false, ...workerLockOptions() })
export class CallbackProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(CallbackProcessor.name);

  constructor(
    private readonly delivery: CallbackDelivery,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    // Started here rather than at construction, so the configured concurrency applies from the first job.
    this.worker.concurrency = this.config.workerConcurrency;
    this.worker.on('error', (err) => this.logger.warn(`callback worker: ${err.message}`));
    void this.worker.run().catch((err: Error) => this.logger.error(`callback worker stopped: ${err.message}`));
  }

  async process(job: Job<CallbackJobData>): Promise<{ delivered: boolean; statusCode: number | null } | { skipped: true }> {
    const outcome = await this.delivery.deliver(job.data.transactionId, job.data.status, job.attemptsMade + 1);
    return outcome ? { delivered: true, statusCode: outcome.statusCode } : { skipped: true };
  }
}
