import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/config';
import { eventIdOfJob, OutboxJobData } from '../outbox/outbox-jobs';
import { workerLockOptions } from '../outbox/queue-options';
import { CallbackEvents } from './callback-events';
import { CallbackDelivery, CallbackNotDelivered } from './callback-delivery.service';
import { CALLBACK_QUEUE } from './callback-queue';

export type CallbackJobResult = { delivered: true; statusCode: number | null } | { skipped: string };

/**
 * Consumes the sp-callbacks queue. The job names a committed event by its id; what the SP hears
 * is read from Postgres. Events of one transaction go out in order: a job waits (delayed, no
 * attempt spent) while an earlier event of its transaction is neither delivered nor finally
 * failed. A thrown CallbackNotDelivered makes BullMQ retry with exponential backoff.
 */
@Processor(CALLBACK_QUEUE, { autorun: false, ...workerLockOptions() })
export class CallbackProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(CallbackProcessor.name);

  constructor(
    private readonly events: CallbackEvents,
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

  async process(job: Job<OutboxJobData>, token?: string): Promise<CallbackJobResult> {
    const eventId = eventIdOfJob(job, 'callback');
    const event = eventId ? await this.events.load(eventId) : null;
    if (!event) {
      // Not a job the relay made from a committed event (added or edited in Redis): send nothing.
      this.logger.warn(`callback job ${String(job.id).slice(0, 80)} names no committed event; nothing sent`);
      return { skipped: 'no such event' };
    }
    if (event.settled) return { skipped: 'already settled' };
    if (event.earlierPending) {
      await job.moveToDelayed(Date.now() + Math.max(50, Math.min(this.config.backoffBaseMs, 1000)), token);
      throw new DelayedError();
    }
    const attempt = job.attemptsMade + 1;
    try {
      const outcome = await this.delivery.deliver(event, attempt);
      await this.events.settle(event, outcome ? 'delivered' : 'skipped');
      return outcome ? { delivered: true, statusCode: outcome.statusCode } : { skipped: 'no callback URL' };
    } catch (err) {
      // The last attempt's failure is final: the event is settled as failed, and the next one may go.
      if (err instanceof CallbackNotDelivered && attempt >= (job.opts.attempts ?? 1)) await this.events.settle(event, 'failed');
      throw err;
    }
  }
}
