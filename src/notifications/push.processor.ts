import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ConsentTransitions } from '../consent/consent-transitions.service';
import { Batcher } from '../common/batcher';
import { DeviceRegistry, RegisteredDevice, toDevice } from './device-registry.service';
import { NotificationAttempt, NotificationAttemptRepository } from './notification-attempt.repository';
import { PushJobRepository, PushJobRow } from './push-job.repository';
import { pushContent, PushSubject } from './push-content';
import { PushProviders } from './providers/push-providers';
import type { PushOutcome } from './providers/push-provider';
import { eventIdOfJob, OutboxJobData } from '../outbox/outbox-jobs';
import { PUSH_QUEUE, workerLockOptions } from './queues';

export interface PushJobResult {
  delivered: number;
  pending: number;
  initFailed?: boolean;
  skipped?: string;
}

/**
 * One job per new transaction: push to every device of the user. Jobs running at the same time
 * share their database round trips (Batcher): one query loads their transactions and devices,
 * one statement writes their attempt rows. Each attempt of the job
 * retries only the devices not yet reached (every try is a notification_attempts row); a device
 * whose provider says the token is gone is removed. When the last attempt ends and no device
 * was ever reached (or the user has none), the transaction becomes INIT_FAILED, which also
 * queues the SP's callback.
 */
@Processor(PUSH_QUEUE, { autorun: false, ...workerLockOptions() })
export class PushProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(PushProcessor.name);
  /** The jobs running at once load their transactions with one query… */
  private readonly loads = new Batcher<string, PushJobRow | undefined>((ids) => this.loadJobs(ids), { maxBatch: 200, windowMs: 2 });
  /** …and write their devices' attempt rows with one statement. */
  private readonly attempts = new Batcher<NotificationAttempt, void>((rows) => this.insertAttempts(rows), { maxBatch: 500, windowMs: 2 });

  constructor(
    private readonly jobRepo: PushJobRepository,
    private readonly attemptRepo: NotificationAttemptRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly devices: DeviceRegistry,
    private readonly providers: PushProviders,
    private readonly transitions: ConsentTransitions,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    // Started here rather than at construction, so the configured concurrency applies from the first job.
    this.worker.concurrency = this.config.workerConcurrency;
    this.worker.on('error', (err) => this.logger.warn(`push worker: ${err.message}`));
    void this.worker.run().catch((err: Error) => this.logger.error(`push worker stopped: ${err.message}`));
  }

  async process(job: Job<OutboxJobData>): Promise<PushJobResult> {
    const eventId = eventIdOfJob(job, 'push');
    if (!eventId) return { delivered: 0, pending: 0, skipped: 'not a job the outbox relay made' };
    const attempt = job.attemptsMade + 1;
    const lastAttempt = attempt >= (job.opts.attempts ?? 1);
    const tx = await this.loads.add(eventId);
    if (!tx) return { delivered: 0, pending: 0, skipped: 'no such push event' };
    const transactionId = tx.transaction_id;
    // Cancelled, expired or already decided: nobody needs to be told any more.
    if (tx.status !== 'TRIGGERED') return { delivered: 0, pending: 0, skipped: `status ${tx.status}` };

    const all = tx.devices.map(toDevice);
    const reached = new Set(tx.reached);
    const pending = all.filter((d) => !reached.has(d.id));
    const subject: PushSubject = {
      transactionId,
      requesterName: tx.requester_name,
      requesterNameAr: tx.requester_name_ar,
      purpose: tx.purpose,
      purposeAr: tx.purpose_ar,
    };

    const outcomes = await Promise.all(pending.map((device) => this.deliver(device, subject, attempt)));
    const delivered = reached.size + outcomes.filter((o) => o.outcome === 'delivered').length;
    const retryable = outcomes.filter((o) => o.outcome === 'retry').length;

    if (retryable > 0 && !lastAttempt) {
      // BullMQ retries the job with backoff; devices already reached are skipped next time.
      throw new Error(`${retryable} device(s) not reached yet`);
    }
    if (delivered === 0) {
      const moved = await this.transitions.tryTransition(transactionId, 'INIT_FAILED', 'system:push', {
        detail: { reason: all.length === 0 ? 'no device registered' : 'no device reachable', devices: all.length, attempts: attempt },
      });
      // Failed, not completed, so operators find it in the failed set; no further retries.
      throw new UnrecoverableError(`no device reached${moved ? '; transaction INIT_FAILED' : ''}`);
    }
    return { delivered, pending: retryable };
  }

  private async deliver(device: RegisteredDevice, subject: PushSubject, attempt: number): Promise<PushOutcome> {
    const started = Date.now();
    const result = await this.providers.for(device.platform).send(device, pushContent(subject, device.locale));
    await this.attempts.add({
      transactionId: subject.transactionId,
      deviceId: device.id,
      platform: device.platform,
      attempt,
      outcome: result.outcome,
      statusCode: result.statusCode ?? null,
      detail: result.detail?.slice(0, 500) ?? null,
      latencyMs: Date.now() - started,
    });
    if (result.outcome === 'unregistered') {
      await this.devices.removeUnreachable(device.id);
      this.logger.log(`device ${device.id} (${device.platform}) removed: ${result.detail ?? 'unregistered'}`);
    }
    return result;
  }

  private async insertAttempts(rows: NotificationAttempt[]): Promise<void[]> {
    await this.attemptRepo.insertMany(rows);
    return rows.map(() => undefined);
  }

  private async loadJobs(eventIds: string[]): Promise<(PushJobRow | undefined)[]> {
    const rows = await this.jobRepo.loadByEvents(eventIds);
    const byEvent = new Map(rows.map((r) => [r.event_id, r]));
    return eventIds.map((id) => byEvent.get(id));
  }
}
