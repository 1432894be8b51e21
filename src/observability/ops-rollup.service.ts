import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { RUNS_WORKERS } from '../common/core.module';
import { PeriodicTask } from '../common/periodic-task';
import { APP_CONFIG, AppConfig } from '../config/config';
import { latencyQuantile } from './latency-histogram';
import { ALL_SPS, OpsRollupRepository, RollupRow } from './ops-rollup.repository';

export const BUCKET_MS = 5 * 60_000;
const DAY_MS = 86_400_000;
/** Rows per source per run: a backlog is worked off over several runs, each transaction short. */
const BATCH_SIZE = 20_000;
const KEEP_DAYS = 8;

/** The last 24 hours, one value per 5-minute bucket (288), oldest first; a bucket with no row counts 0. */
export interface OpsSeries {
  /** Start of each bucket, epoch milliseconds. */
  buckets: number[];
  sends: {
    triggered: number[];
    accepted: number[];
    rejected: number[];
    expired: number[];
    initFailed: number[];
    cancelled: number[];
  };
  /** Latency from the send's 201 to the push provider, milliseconds; null where nothing was pushed. */
  pushP50Ms: (number | null)[];
  pushP99Ms: (number | null)[];
  callbacksDelivered: number[];
  callbacksFailed: number[];
  /** Highest sampled age of the oldest outbox row not yet relayed. */
  outboxOldestSeconds: number[];
}

/**
 * Keeps the 5-minute rollups the console's charts read (one aggregated source: a page view reads
 * at most 288 rows by primary key, never the event or attempt tables). Runs where the workers run,
 * like partition maintenance; several instances may run it at once (the repository's watermark
 * lock makes each row count once).
 */
@Injectable()
export class OpsRollupService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OpsRollupService.name);
  private readonly task = new PeriodicTask(
    () => this.run(),
    (err) => this.logger.warn(`ops rollup failed: ${String(err)}`),
  );

  constructor(
    private readonly rollups: OpsRollupRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RUNS_WORKERS) private readonly runsWorkers: boolean,
  ) {}

  onApplicationBootstrap(): void {
    if (this.runsWorkers) this.task.start(this.config.opsRollupIntervalMs);
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }

  /** One pass: fold new rows, sample the outbox, drop buckets past keeping. Answers rows folded per source. */
  async run(): Promise<Record<string, number>> {
    const folded = await this.rollups.fold(this.config.opsRollupSettleSeconds, BATCH_SIZE);
    await this.rollups.sampleOutbox();
    await this.rollups.pruneOlderThan(KEEP_DAYS);
    return folded;
  }

  /** The last 24 hours for every SP, or for one. */
  async lastDay(spId?: string, now = Date.now()): Promise<OpsSeries> {
    const last = Math.floor(now / BUCKET_MS) * BUCKET_MS;
    const first = last - DAY_MS + BUCKET_MS;
    const rows = await this.rollups.buckets(spId ?? ALL_SPS, new Date(first));
    const byBucket = new Map<number, RollupRow>(rows.map((r) => [new Date(r.bucket).getTime(), r]));
    const buckets = Array.from({ length: DAY_MS / BUCKET_MS }, (_, i) => first + i * BUCKET_MS);
    const of = (pick: (r: RollupRow) => number) => buckets.map((b) => (byBucket.has(b) ? Number(pick(byBucket.get(b)!)) : 0));
    const quantile = (q: number) => buckets.map((b) => latencyQuantile(byBucket.get(b)?.push_latency_hist ?? [], q));
    return {
      buckets,
      sends: {
        triggered: of((r) => r.triggered),
        accepted: of((r) => r.accepted),
        rejected: of((r) => r.rejected),
        expired: of((r) => r.expired),
        initFailed: of((r) => r.init_failed),
        cancelled: of((r) => r.cancelled),
      },
      pushP50Ms: quantile(0.5),
      pushP99Ms: quantile(0.99),
      callbacksDelivered: of((r) => r.callbacks_delivered),
      callbacksFailed: of((r) => r.callbacks_failed),
      outboxOldestSeconds: of((r) => r.outbox_oldest_seconds),
    };
  }
}
