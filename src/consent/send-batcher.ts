import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { isDependencyDown } from '../common/errors/dependency-down';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { ProfileMatch } from '../users/user-directory.service';
import { ConsentRepository, SendBatchRow, SendRow } from './consent.repository';

/** What the batch statement answered for one send. */
export interface SendOutcome {
  /** False when nothing was written: the profile refused it, or the pair was already claimed. */
  written: boolean;
  profile: ProfileMatch | null;
  /** A live standing consent may answer it instead (nothing written). */
  standing: boolean;
}

interface Waiting {
  row: SendRow;
  resolve(outcome: SendOutcome): void;
  reject(err: unknown): void;
}

/**
 * Group commit for send: concurrent sends share one statement, one round trip and one commit.
 *
 * A send arriving while no batch statement is running goes at once (after the current event-loop
 * turn, which gathers what arrived with it): no added latency under low load. While one runs,
 * sends gather until SEND_BATCH_MAX of them wait or SEND_BATCH_WINDOW_MS has passed since the
 * first, whichever comes first, or until the running statement ends.
 *
 * A batch that fails because Postgres is away fails all its sends (each answers the coded 503;
 * the statement wrote nothing). Any other failure (one send's value refused by the database) is
 * retried send by send, so one bad request never fails the others.
 */
@Injectable()
export class SendBatcher implements OnApplicationShutdown {
  private queue: Waiting[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private readonly windowMs: number;
  private readonly max: number;

  constructor(
    private readonly consents: ConsentRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.windowMs = config.sendBatchWindowMs;
    this.max = config.sendBatchMax;
  }

  submit(row: SendRow): Promise<SendOutcome> {
    return new Promise<SendOutcome>((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      if (this.queue.length >= this.max) this.flush();
      else if (this.inFlight === 0) this.immediate ??= setImmediate(() => this.flush());
      else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
    });
  }

  onApplicationShutdown(): void {
    // Whatever waits still goes: the pool closes after the providers' shutdown hooks.
    if (this.queue.length) this.flush();
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.max);
      this.inFlight++;
      void this.write(batch).finally(() => {
        this.inFlight--;
        // The connection is free again: what gathered meanwhile goes now rather than at its deadline.
        if (this.inFlight === 0 && this.queue.length) this.flush();
      });
    }
  }

  private async write(batch: Waiting[]): Promise<void> {
    let rows: SendBatchRow[];
    try {
      rows = await this.consents.insertBatch(batch.map((w) => w.row));
    } catch (err) {
      if (batch.length === 1 || isDependencyDown(err)) {
        for (const w of batch) w.reject(err);
        return;
      }
      // One send's value was refused (the statement wrote nothing): each goes again on its own.
      await Promise.all(batch.map((w) => this.write([w])));
      return;
    }
    for (const r of rows) {
      const w = batch[r.ord - 1];
      w.resolve({
        written: r.written,
        profile: r.user_id ? { userId: r.user_id, verified: r.verified!, hasDocType: r.has_type! } : null,
        standing: r.standing,
      });
    }
  }
}
