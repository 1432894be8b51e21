import { InjectQueue, WorkerHost } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Job, Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { createServer, Server } from 'node:http';
import { timingSafeEqual, createHash } from 'node:crypto';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { REDIS, redisKey } from '../common/core.module';
import { ApiError } from '../common/errors/api-error';
import type { RedisClient } from '../common/redis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { CONSENT_STATUSES } from '../consent/consent-state-machine';
import { CALLBACK_QUEUE } from '../callbacks/callback-queue';
import { IdentifierProbes } from '../consent/identifier-probes';
import { PUSH_QUEUE } from '../notifications/queues';
import { HttpMetrics } from './http-metrics';
import { MetricsSnapshotRepository } from './metrics-snapshot.repository';

const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'paused', 'failed', 'completed'] as const;
const COLLECTORS = ['consent_transactions', 'outbox', 'outbox_age', `queue_${PUSH_QUEUE}`, `queue_${CALLBACK_QUEUE}`, 'push_attempts', 'callback_attempts'];

/** What the database-backed and queue gauges show: computed once per interval, read by every scrape. */
interface Snapshot {
  transactions: { status: string; n: number }[];
  outbox: { topic: string; n: number }[];
  outboxAge: number;
  queues: Record<string, Partial<Record<(typeof JOB_STATES)[number], number>>>;
  pushAttempts: { provider: string; outcome: string; n: number }[];
  callbackAttempts: { sp_id: string; outcome: string; n: number }[];
  up: Record<string, 0 | 1>;
}

const EMPTY: Snapshot = { transactions: [], outbox: [], outboxAge: 0, queues: {}, pushAttempts: [], callbackAttempts: [], up: {} };

/**
 * Prometheus metrics. Each app instance has its own registry (tests run several gateways in one
 * process). Gauges read from Postgres and BullMQ are computed by `refresh()` at most once per
 * METRICS_REFRESH_INTERVAL_MS across all instances (a Redis lock elects one; the others read its
 * snapshot from Redis), under a statement_timeout: a scrape only reads memory, so scrapes can
 * never queue queries on the database pool. Job durations are observed where the workers run.
 */
@Injectable()
export class MetricsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsService.name);
  readonly registry = new Registry();
  private readonly queues: Record<string, Queue>;
  private readonly http: HttpMetrics;
  private readonly jobDuration: Histogram<'queue' | 'outcome'>;
  private readonly ops: OpsMetrics;
  private snapshot: Snapshot = EMPTY;
  private refreshing?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private listener?: Server;

  constructor(
    private readonly snapshots: MetricsSnapshotRepository,
    @InjectQueue(PUSH_QUEUE) pushQueue: Queue,
    @InjectQueue(CALLBACK_QUEUE) callbackQueue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly discovery: DiscoveryService,
    private readonly probes: IdentifierProbes,
  ) {
    this.queues = { [PUSH_QUEUE]: pushQueue, [CALLBACK_QUEUE]: callbackQueue };
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.http = new HttpMetrics(registers);
    this.jobDuration = new Histogram({
      name: 'muwafaqa_queue_job_duration_seconds',
      help: 'Time a worker spent on a job attempt (processedOn to finishedOn), by queue and outcome; observed by the process that ran it',
      labelNames: ['queue', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    const probeCounts = this.probes;
    new Counter({
      name: 'muwafaqa_identifier_probe_answers_total',
      help: 'Answers telling an SP that an identifier has no verified profile (0001, CONS_1000003), by SP: a rising rate is enumeration',
      labelNames: ['sp_id'],
      registers,
      collect() {
        this.reset();
        for (const [spId, n] of probeCounts.counted()) this.inc({ sp_id: spId }, n);
      },
    });
    this.defineSnapshotMetrics(registers);
    this.ops = new OpsMetrics(registers);
  }

  /** Counts every answered request under its route template (`/admin/v1/transactions/:id`), so ids never explode cardinality. */
  instrumentHttp(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', (req, reply, done) => {
      this.http.record(req.method, req.routeOptions?.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
    // A process that serves /metrics keeps the snapshot fresh; a bare worker process does not query.
    this.startRefreshing();
  }

  async onApplicationBootstrap(): Promise<void> {
    // Job durations come from the workers of this process (none on an API-only instance).
    for (const wrapper of this.discovery.getProviders()) {
      const host: unknown = wrapper.instance;
      if (!(host instanceof WorkerHost)) continue;
      let worker;
      try {
        worker = host.worker;
      } catch {
        continue; // not started in this process
      }
      const queue = worker.name;
      worker.on('completed', (job: Job) => this.observeJob(queue, job, 'completed'));
      worker.on('failed', (job: Job | undefined) => job && this.observeJob(queue, job, 'failed'));
    }
    if (this.config.metricsPort !== undefined) await this.listen(this.config.metricsPort);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await new Promise<void>((done) => (this.listener ? this.listener.close(() => done()) : done()));
    await this.refreshing?.catch(() => undefined);
  }

  /** The port of the METRICS_PORT listener (tests bind port 0). */
  get listenerPort(): number | undefined {
    const address = this.listener?.address();
    return address && typeof address === 'object' ? address.port : undefined;
  }

  /**
   * Who may scrape: with METRICS_TOKEN, only `Authorization: Bearer <token>` (SEC_1000050); without
   * it, anyone outside production and nobody in production (SEC_1000051). On the main port, /metrics
   * is not served at all when METRICS_PORT gives it its own listener.
   */
  authorize(authorization: string | undefined, onOwnListener = false): void {
    if (!onOwnListener && this.config.metricsPort !== undefined) throw new ApiError('REQ_1000004', { method: 'GET', path: '/metrics' });
    const token = this.config.metricsToken;
    if (token === undefined) {
      if (this.config.nodeEnv === 'production') throw new ApiError('SEC_1000051');
      return;
    }
    const presented = /^bearer +(\S+)$/i.exec(authorization ?? '')?.[1] ?? '';
    const digest = (v: string) => createHash('sha256').update(v).digest();
    if (!timingSafeEqual(digest(presented), digest(token))) throw new ApiError('SEC_1000050').withHeader('WWW-Authenticate', 'Bearer realm="metrics"');
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Computes (or, when another instance did this interval, reads) the snapshot. One run at a time. */
  refresh(): Promise<void> {
    this.refreshing ??= this.refreshOnce().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private startRefreshing(): void {
    if (this.timer) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.config.metricsRefreshIntervalMs);
    this.timer.unref();
  }

  private async refreshOnce(): Promise<void> {
    const interval = this.config.metricsRefreshIntervalMs;
    const lockKey = redisKey(this.config, 'metrics', 'refresh-lock');
    const snapshotKey = redisKey(this.config, 'metrics', 'snapshot');
    let elected = true;
    try {
      // One instance per interval computes; the lock expires a little early so the next tick can take it.
      elected = (await this.redis.set(lockKey, '1', 'PX', Math.max(1, interval - 100), 'NX')) === 'OK';
      if (!elected) {
        const shared = await this.redis.get(snapshotKey);
        if (shared) this.snapshot = JSON.parse(shared) as Snapshot;
        return;
      }
    } catch {
      /* Redis is away: compute locally, still once per interval in this process */
    }
    this.snapshot = await this.compute();
    await this.redis.set(snapshotKey, JSON.stringify(this.snapshot), 'PX', 3 * interval).catch(() => undefined);
  }

  private async compute(): Promise<Snapshot> {
    const next: Snapshot = { ...EMPTY, queues: {}, up: {} };
    const step = async (collector: string, work: () => Promise<void>) => {
      try {
        await work();
        next.up[collector] = 1;
      } catch (err) {
        next.up[collector] = 0;
        this.logger.debug(`metrics collector ${collector} failed: ${(err as Error).message}`);
      }
    };
    try {
      // One connection, every statement bounded: a slow count gives up instead of holding the pool.
      await this.snapshots.inBoundedSession(Math.min(this.config.metricsRefreshIntervalMs, 5000), async (m) => {
        await step('consent_transactions', async () => {
          next.transactions = await this.snapshots.transactionsByStatus(m);
        });
        await step('outbox', async () => {
          next.outbox = await this.snapshots.pendingOutboxByTopic(m);
        });
        await step('outbox_age', async () => {
          next.outboxAge = await this.snapshots.oldestPendingOutboxSeconds(m);
        });
        await step('push_attempts', async () => {
          const rows = await this.snapshots.pushAttemptsByOutcome(m);
          next.pushAttempts = rows.map((r) => ({ provider: r.platform, outcome: r.outcome, n: r.n }));
        });
        await step('callback_attempts', async () => {
          const rows = await this.snapshots.callbackAttemptsBySp(m);
          next.callbackAttempts = rows.map((r) => ({ sp_id: r.sp_id, outcome: r.delivered ? 'delivered' : 'failed', n: r.n }));
        });
      });
    } catch {
      // A failed statement aborts the transaction: whatever did not report success is down.
      for (const c of ['consent_transactions', 'outbox', 'outbox_age', 'push_attempts', 'callback_attempts']) if (next.up[c] !== 1) next.up[c] = 0;
    }
    await Promise.all(
      Object.entries(this.queues).map(([name, queue]) =>
        step(`queue_${name}`, async () => {
          next.queues[name] = await withTimeout(queue.getJobCounts(...JOB_STATES), 2000);
        }),
      ),
    );
    return next;
  }

  private observeJob(queue: string, job: Job, outcome: 'completed' | 'failed'): void {
    if (job.processedOn && job.finishedOn) this.jobDuration.observe({ queue, outcome }, (job.finishedOn - job.processedOn) / 1000);
    if (queue === PUSH_QUEUE && outcome === 'completed') this.ops.pushJobCompleted(job);
  }

  private async listen(port: number): Promise<void> {
    this.startRefreshing();
    this.listener = createServer((req, res) => {
      void (async () => {
        try {
          if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') throw new ApiError('REQ_1000004', { method: req.method ?? '', path: '/' });
          this.authorize(req.headers.authorization, true);
          const text = await this.metrics();
          res.writeHead(200, { 'content-type': this.contentType, 'cache-control': 'no-store' }).end(text);
        } catch (err) {
          const e = err instanceof ApiError ? err : new ApiError('REQ_1000006');
          res.writeHead(e.status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...e.headers }).end(JSON.stringify(e.body));
        }
      })();
    });
    await new Promise<void>((done, fail) => {
      this.listener!.once('error', fail);
      this.listener!.listen(port, this.config.metricsHost, () => done());
    });
  }

  /** Metrics whose values come from the snapshot; their collect() only copies memory. */
  private defineSnapshotMetrics(registers: Registry[]): void {
    const current = () => this.snapshot;
    new Gauge({
      name: 'muwafaqa_consent_transactions',
      help: 'Consent transactions in the database, by status',
      labelNames: ['status'],
      registers,
      collect() {
        this.reset();
        for (const s of CONSENT_STATUSES) this.set({ status: s }, 0);
        for (const r of current().transactions) this.set({ status: r.status }, r.n);
      },
    });
    new Gauge({
      name: 'muwafaqa_outbox_backlog',
      help: 'Outbox rows committed but not yet relayed into BullMQ, by topic',
      labelNames: ['topic'],
      registers,
      collect() {
        this.reset();
        for (const t of ['push', 'callback']) this.set({ topic: t }, 0);
        for (const r of current().outbox) this.set({ topic: r.topic }, r.n);
      },
    });
    new Gauge({
      name: 'muwafaqa_outbox_oldest_pending_seconds',
      help: 'Age of the oldest outbox row not yet relayed (0 when none)',
      registers,
      collect() {
        this.set(current().outboxAge);
      },
    });
    new Gauge({
      name: 'muwafaqa_queue_jobs',
      help: 'BullMQ jobs by queue and state',
      labelNames: ['queue', 'state'],
      registers,
      collect() {
        this.reset();
        for (const [queue, counts] of Object.entries(current().queues)) for (const state of JOB_STATES) this.set({ queue, state }, counts[state] ?? 0);
      },
    });
    // Attempts are append-only rows, so their counts only grow: exposed as counters.
    new Counter({
      name: 'muwafaqa_push_attempts_total',
      help: 'Push delivery attempts recorded, by provider (fcm, apns, webpush, sse) and outcome',
      labelNames: ['provider', 'outcome'],
      registers,
      collect() {
        this.reset();
        for (const r of current().pushAttempts) this.inc({ provider: r.provider, outcome: r.outcome }, r.n);
      },
    });
    new Counter({
      name: 'muwafaqa_callback_attempts_total',
      help: 'SP callback attempts recorded, by SP and outcome (delivered, failed)',
      labelNames: ['sp_id', 'outcome'],
      registers,
      collect() {
        this.reset();
        for (const r of current().callbackAttempts) this.inc({ sp_id: r.sp_id, outcome: r.outcome }, r.n);
      },
    });
    new Gauge({
      name: 'muwafaqa_metrics_collector_up',
      help: '1 when the collector could read its source at the last refresh of the snapshot',
      labelNames: ['collector'],
      registers,
      collect() {
        this.reset();
        for (const c of COLLECTORS) if (current().up[c] !== undefined) this.set({ collector: c }, current().up[c]);
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
  private readonly pushLatency: Histogram;

  constructor(registers: Registry[]) {
    this.pushLatency = new Histogram({
      name: 'muwafaqa_push_delivery_latency_seconds',
      help: "Time from the send's 201 (the transaction's creation) to the push job completing with at least one device reached",
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
  }

  pushJobCompleted(job: Job): void {
    const created = uuidV7Millis(String(job.data?.transactionId ?? ''));
    const delivered = Number((job.returnvalue as { delivered?: number } | undefined)?.delivered ?? 0);
    if (created !== null && job.finishedOn && delivered > 0) this.pushLatency.observe(Math.max(0, job.finishedOn - created) / 1000);
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  return Promise.race([work, new Promise<T>((_, fail) => setTimeout(() => fail(new Error('timeout')), ms).unref())]);
}
