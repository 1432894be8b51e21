import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { waitForReplicas } from '../common/redis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { OutboxJobData, outboxJobId } from './outbox-jobs';
import { OutboxRoutes } from './outbox-routes';
import { OutboxRepository, OutboxRow } from './outbox.repository';
import { OutboxSignal } from './outbox-signal';
import type { OutboxTopic } from './outbox-topics';
import { jobOptions } from './queue-options';

const BATCH = 500;

/**
 * Moves committed outbox rows into BullMQ, each to the queue its topic's route names. Safe in
 * any number of instances: rows are claimed with FOR UPDATE SKIP LOCKED, and the job id derives
 * from the row's event id (a UUIDv7), so a row relayed twice (a crash between enqueue and
 * commit, a restored database) is still one job, and a row of a new or reset database never
 * collides with a finished job of an old one. While Redis is away the rows simply wait.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  private lastFailureLog = 0;
  /** Rows whose job id was already taken by a job with other content (logged each time). */
  conflicts = 0;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly outbox: OutboxRepository,
    private readonly routes: OutboxRoutes,
    private readonly signal: OutboxSignal,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.routes.assertComplete();
    this.signal.on('kick', () => this.wake());
    this.timer = setInterval(() => this.wake(), this.config.outboxPollIntervalMs);
    this.timer.unref();
  }

  // Before the shutdown hooks: TypeORM closes the database in its onApplicationShutdown.
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Runs the relay now, or right after the pass in progress. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (!this.stopped && (await this.relayOnce()) === BATCH);
    } catch (err) {
      // Redis or Postgres away: the rows stay pending and the next poll tries again.
      if (Date.now() - this.lastFailureLog > 10_000) {
        this.lastFailureLog = Date.now();
        this.logger.warn(`outbox relay paused: ${(err as Error).message}`);
      }
    }
  }

  /** Relays one batch; answers how many rows it moved. */
  async relayOnce(): Promise<number> {
    return this.db.transaction(async (m) => {
      const rows = await this.outbox.claimUndispatched(BATCH, m);
      if (rows.length === 0) return 0;
      const queues = [];
      const finishedBefore: { id: string; outcome: 'delivered' | 'failed' }[] = [];
      for (const [topic, batch] of groupByTopic(rows)) {
        const route = this.routes.get(topic);
        if (!route) throw new Error(`outbox topic ${topic} has no route`);
        const existing = await this.existingJobs(route.queue, batch);
        const fresh = batch.filter((r, i) => {
          const job = existing[i];
          if (!job) return true;
          if (job.data !== JSON.stringify(jobData(r))) {
            // Not a re-relay of this row: someone wrote a job under this id. The worker reads
            // the event from the job id and the database, so it still delivers the committed
            // event; say so instead of swallowing it.
            this.conflicts++;
            this.logger.warn(
              `outbox row ${r.id}: job ${outboxJobId(topic, r.event_id)} already exists in ${route.queue.name} with other content; not replaced`,
            );
          }
          // Re-relayed (a crash between enqueue and commit, or a restored database): the job is
          // the same one and is not run twice; if it already finished, the row learns how.
          if (job.finishedOn && !r.settled) finishedBefore.push({ id: r.id, outcome: job.failedReason ? 'failed' : 'delivered' });
          return false;
        });
        if (fresh.length) {
          await route.queue.addBulk(
            fresh.map((r) => ({
              name: route.jobName,
              data: jobData(r),
              opts: { ...jobOptions(this.config, route.attempts), jobId: outboxJobId(topic, r.event_id) },
            })),
          );
          queues.push(route.queue);
        }
      }
      // On Sentinel: a job only the dying master held would be lost by a failover; the row waits instead.
      await waitForReplicas(this.config, ...queues);
      const relayed = rows.map((r) => r.id);
      await this.outbox.markDispatched(relayed, m);
      for (const f of finishedBefore) await this.outbox.recordFinished(f.id, f.outcome, m);
      return rows.length;
    });
  }

  /** The jobs already under these rows' ids (one round trip), undefined where none. */
  private async existingJobs(
    queue: Queue,
    rows: OutboxRow[],
  ): Promise<({ data: string; finishedOn: string | null; failedReason: string | null } | undefined)[]> {
    // Every key of a queue shares one hash slot (queuePrefix), so a pipeline works on a Cluster too.
    const client = (await queue.client) as unknown as Redis;
    const pipeline = client.pipeline();
    for (const r of rows) pipeline.hmget(queue.toKey(outboxJobId(r.topic, r.event_id)), 'data', 'finishedOn', 'failedReason');
    const answers = (await pipeline.exec()) ?? [];
    return answers.map(([err, value]) => {
      if (err) throw err;
      const [data, finishedOn, failedReason] = value as (string | null)[];
      return data === null ? undefined : { data, finishedOn, failedReason };
    });
  }
}

function jobData(r: OutboxRow): OutboxJobData {
  return { eventId: r.event_id, transactionId: r.transaction_id };
}

function groupByTopic<T extends { topic: OutboxTopic }>(rows: T[]): Map<OutboxTopic, T[]> {
  const groups = new Map<OutboxTopic, T[]>();
  for (const r of rows) groups.set(r.topic, [...(groups.get(r.topic) ?? []), r]);
  return groups;
}
