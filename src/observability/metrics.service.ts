import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job, Queue, QueueEvents } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { createRedisClient, RedisClient } from '../common/redis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { CONSENT_STATUSES } from '../consent/consent-state-machine';
import { CALLBACK_QUEUE, PUSH_QUEUE, queuePrefix } from '../notifications/queues';

const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'paused', 'failed', 'completed'] as const;
const COLLECT_TIMEOUT_MS = 2000;

function withTimeout<T>(work: Promise<T>): Promise<T> {
  return Promise.race([work, new Promise<T>((_, fail) => setTimeout(() => fail(new Error('timeout')), COLLECT_TIMEOUT_MS).unref())]);
}

/**
 * Prometheus metrics. Each app instance has its own registry (tests run several gateways in one
 * process). Business gauges are read at scrape time from Postgres and BullMQ, so the feature
 * modules (push, callbacks) need no metrics code of their own; job durations come from BullMQ's
 * queue events, which every instance sees whichever worker ran the job.
 */
@Injectable()
export class MetricsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsService.name);
  readonly registry = new Registry();
  private readonly queues: Record<string, Queue>;
  private readonly events: { events: QueueEvents; connection: RedisClient }[] = [];
  private readonly collectorUp: Gauge<'collector'>;
  private readonly inflight: Promise<void>[] = [];
  private readonly httpRequests: Counter<'method' | 'route' | 'status_code'>;
  private readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  private readonly jobDuration: Histogram<'queue' | 'outcome'>;
  private readonly ops: OpsMetrics;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectQueue(PUSH_QUEUE) pushQueue: Queue,
    @InjectQueue(CALLBACK_QUEUE) callbackQueue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.queues = { [PUSH_QUEUE]: pushQueue, [CALLBACK_QUEUE]: callbackQueue };
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.httpRequests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by route template and status code',
      labelNames: ['method', 'route', 'status_code'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency, by route template and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.jobDuration = new Histogram({
      name: 'muwafaqa_queue_job_duration_seconds',
      help: 'Time a worker spent on a job attempt (processedOn to finishedOn), by queue and outcome',
      labelNames: ['queue', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.defineScrapeTimeMetrics(registers);
    this.ops = new OpsMetrics(registers, this.collect.bind(this), db, pushQueue);
    // Registered last: prom-client starts every collector at once, so by the time this one runs
    // the others have registered their work, and it reports each one's outcome in the same scrape.
    const inflight = this.inflight;
    this.collectorUp = new Gauge({
      name: 'muwafaqa_metrics_collector_up',
      help: '1 when the collector could read its source during this scrape',
      labelNames: ['collector'],
      registers,
      async collect() {
        await Promise.allSettled(inflight.splice(0));
      },
    });
  }

  /** Counts every answered request under its route template (`/admin/v1/transactions/:id`), so ids never explode cardinality. */
  instrumentHttp(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', (req, reply, done) => {
      const route = req.routeOptions?.url ?? 'unmatched';
      const labels = { method: req.method, route, status_code: String(reply.statusCode) };
      this.httpRequests.inc(labels);
      this.httpDuration.observe(labels, reply.elapsedTime / 1000);
      done();
    });
  }

  async onModuleInit(): Promise<void> {
    for (const name of Object.keys(this.queues)) {
      const connection = createRedisClient(this.config, 'queue', `muwafaqa-metrics-${name}`);
      connection.on('error', () => undefined); // reconnects by itself; readiness reports Redis
      const events = new QueueEvents(name, { connection: connection as never, prefix: queuePrefix(this.config), autorun: true });
      events.on('error', () => undefined);
      events.on('completed', ({ jobId }) => void this.observeJob(name, jobId, 'completed'));
      events.on('failed', ({ jobId }) => void this.observeJob(name, jobId, 'failed'));
      this.events.push({ events, connection });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    for (const { events, connection } of this.events) {
      await events.close().catch(() => undefined);
      connection.disconnect();
    }
  }

  /** A send or validate answered 0001 or CONS_1000003: the SP learnt whether an identifier is registered. */
  identifierProbeAnswered(spId: string): void {
    this.ops.identifierProbes.inc({ sp_id: spId });
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private async observeJob(queue: string, jobId: string, outcome: 'completed' | 'failed'): Promise<void> {
    try {
      const job = await this.queues[queue].getJob(jobId);
      if (job?.processedOn && job.finishedOn) this.jobDuration.observe({ queue, outcome }, (job.finishedOn - job.processedOn) / 1000);
      if (job && queue === PUSH_QUEUE && outcome === 'completed') this.ops.pushJobCompleted(job);
    } catch {
      /* the job was removed, or Redis is away: one sample fewer */
    }
  }

  /** Runs a collector; on failure its metric stays empty and muwafaqa_metrics_collector_up says 0. */
  private collect(collector: string, work: () => Promise<void>): Promise<void> {
    const run = (async () => {
      try {
        await withTimeout(work());
        this.collectorUp.set({ collector }, 1);
      } catch (err) {
        this.collectorUp.set({ collector }, 0);
        this.logger.debug(`metrics collector ${collector} failed: ${(err as Error).message}`);
      }
    })();
    this.inflight.push(run);
    return run;
  }

  private defineScrapeTimeMetrics(registers: Registry[]): void {
    // prom-client calls collect() with the metric as `this`; the service's parts are captured here.
    const run = this.collect.bind(this);
    const db = this.db;
    const queues = this.queues;
    new Gauge({
      name: 'muwafaqa_consent_transactions',
      help: 'Consent transactions in the database, by status',
      labelNames: ['status'],
      registers,
      async collect() {
        this.reset();
        await run('consent_transactions', async () => {
          const rows: { status: string; n: string }[] = await db.query(`SELECT status, count(*) AS n FROM consent_transactions GROUP BY status`);
          for (const s of CONSENT_STATUSES) this.set({ status: s }, 0);
          for (const r of rows) this.set({ status: r.status }, Number(r.n));
        });
      },
    });
    new Gauge({
      name: 'muwafaqa_outbox_backlog',
      help: 'Outbox rows committed but not yet relayed into BullMQ, by topic',
      labelNames: ['topic'],
      registers,
      async collect() {
        this.reset();
        await run('outbox', async () => {
          const rows: { topic: string; n: string }[] = await db.query(`SELECT topic, count(*) AS n FROM outbox WHERE dispatched_at IS NULL GROUP BY topic`);
          for (const t of ['push', 'callback']) this.set({ topic: t }, 0);
          for (const r of rows) this.set({ topic: r.topic }, Number(r.n));
        });
      },
    });
    new Gauge({
      name: 'muwafaqa_outbox_oldest_pending_seconds',
      help: 'Age of the oldest outbox row not yet relayed (0 when none)',
      registers,
      async collect() {
        await run('outbox_age', async () => {
          const rows: { age: number | null }[] = await db.query(
            `SELECT extract(epoch FROM now() - min(created_at))::float AS age FROM outbox WHERE dispatched_at IS NULL`,
          );
          this.set(Number(rows[0]?.age ?? 0));
        });
      },
    });
    new Gauge({
      name: 'muwafaqa_queue_jobs',
      help: 'BullMQ jobs by queue and state',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        this.reset();
        await Promise.all(
          Object.entries(queues).map(([name, queue]) =>
            run(`queue_${name}`, async () => {
              const counts = await queue.getJobCounts(...JOB_STATES);
              for (const state of JOB_STATES) this.set({ queue: name, state }, counts[state] ?? 0);
            }),
          ),
        );
      },
    });
    // Attempts are append-only rows, so their counts only grow: exposed as counters.
    new Counter({
      name: 'muwafaqa_push_attempts_total',
      help: 'Push delivery attempts recorded, by provider (fcm, apns, webpush, sse) and outcome',
      labelNames: ['provider', 'outcome'],
      registers,
      async collect() {
        this.reset();
        await run('push_attempts', async () => {
          const rows: { platform: string; outcome: string; n: string }[] = await db.query(
            `SELECT platform, outcome, count(*) AS n FROM notification_attempts GROUP BY platform, outcome`,
          );
          for (const r of rows) this.inc({ provider: r.platform, outcome: r.outcome }, Number(r.n));
        });
      },
    });
    new Counter({
      name: 'muwafaqa_callback_attempts_total',
      help: 'SP callback attempts recorded, by SP and outcome (delivered, failed)',
      labelNames: ['sp_id', 'outcome'],
      registers,
      async collect() {
        this.reset();
        await run('callback_attempts', async () => {
          const rows: { sp_id: string; delivered: boolean; n: string }[] = await db.query(
            `SELECT t.sp_id, a.delivered, count(*) AS n FROM callback_attempts a JOIN consent_transactions t ON t.id = a.transaction_id GROUP BY t.sp_id, a.delivered`,
          );
          for (const r of rows) this.inc({ sp_id: r.sp_id, outcome: r.delivered ? 'delivered' : 'failed' }, Number(r.n));
        });
      },
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Operations metrics for the Grafana dashboard and the alert rules in deploy/ (issue 19). Kept in
// one block so they move as one piece; their names are what deploy/ queries (a test checks it).
// ---------------------------------------------------------------------------------------------

/** Milliseconds since the epoch carried by a UUIDv7 (the transaction's creation, i.e. the send's 201). */
function uuidV7Millis(id: string): number | null {
  const hex = id.replace(/-/g, '');
  return /^[0-9a-f]{12}7/i.test(hex) ? parseInt(hex.slice(0, 12), 16) : null;
}

class OpsMetrics {
  readonly identifierProbes: Counter<'sp_id'>;
  private readonly pushLatency: Histogram;

  constructor(registers: Registry[], run: (collector: string, work: () => Promise<void>) => Promise<void>, db: DataSource, anyQueue: Queue) {
    this.identifierProbes = new Counter({
      name: 'muwafaqa_identifier_probe_answers_total',
      help: 'Send and validate answers that tell an SP an identifier has no profile (0001) or an unverified one (CONS_1000003), by SP',
      labelNames: ['sp_id'],
      registers,
    });
    this.pushLatency = new Histogram({
      name: 'muwafaqa_push_delivery_latency_seconds',
      help: "Time from the send's 201 (the transaction's creation) to the push job completing with at least one device reached",
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    new Gauge({
      name: 'muwafaqa_dependency_up',
      help: '1 when the dependency answered a ping during this scrape (postgres: SELECT 1, redis: PING)',
      labelNames: ['dependency'],
      registers,
      async collect() {
        const ping = async (dependency: string, work: () => Promise<unknown>) => {
          let up = 0;
          await run(`dependency_${dependency}`, async () => {
            await work();
            up = 1;
          });
          this.set({ dependency }, up);
        };
        await Promise.all([
          ping('postgres', () => db.query('SELECT 1')),
          ping('redis', async () => ((await anyQueue.client) as unknown as { ping(): Promise<string> }).ping()),
        ]);
      },
    });
  }

  /** Every instance sees every completed job (queue events): the quantiles hold, the counts multiply by instances. */
  pushJobCompleted(job: Job): void {
    const created = uuidV7Millis(String(job.data?.transactionId ?? ''));
    const delivered = Number((job.returnvalue as { delivered?: number } | undefined)?.delivered ?? 0);
    if (created !== null && job.finishedOn && delivered > 0) this.pushLatency.observe(Math.max(0, job.finishedOn - created) / 1000);
  }
}
