import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { waitForReplicas } from '../common/redis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { OutboxRoutes } from './outbox-routes';
import { OutboxSignal } from './outbox-signal';
import type { OutboxTopic } from './outbox-topics';
import { jobOptions } from './queue-options';

const BATCH = 500;

/**
 * Moves committed outbox rows into BullMQ. Safe in any number of instances: rows are claimed
 * with FOR UPDATE SKIP LOCKED, and the job id is the outbox id, so a row relayed twice (a crash
 * between enqueue and commit) is still one job. While Redis is away the rows simply wait.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  private lastFailureLog = 0;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
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

  async onApplicationShutdown(): Promise<void> {
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
      const rows: { id: string; topic: OutboxTopic; transaction_id: string; payload: Record<string, unknown> }[] = await m.query(
        `SELECT id, topic, transaction_id, payload FROM outbox WHERE dispatched_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [BATCH],
      );
      if (rows.length === 0) return 0;
      const queues = [];
      for (const [topic, batch] of groupByTopic(rows)) {
        const route = this.routes.get(topic);
        if (!route) throw new Error(`outbox topic ${topic} has no route`);
        await route.queue.addBulk(
          batch.map((r) => ({
            name: route.jobName,
            data: { outboxId: String(r.id), transactionId: r.transaction_id, ...r.payload },
            opts: { ...jobOptions(this.config, route.attempts), jobId: `outbox-${r.id}` },
          })),
        );
        queues.push(route.queue);
      }
      // On Sentinel: a job only the dying master held would be lost by a failover; the row waits instead.
      await waitForReplicas(this.config, ...queues);
      await m.query(`UPDATE outbox SET dispatched_at = now() WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
      return rows.length;
    });
  }
}

function groupByTopic<T extends { topic: OutboxTopic }>(rows: T[]): Map<OutboxTopic, T[]> {
  const groups = new Map<OutboxTopic, T[]>();
  for (const r of rows) groups.set(r.topic, [...(groups.get(r.topic) ?? []), r]);
  return groups;
}
