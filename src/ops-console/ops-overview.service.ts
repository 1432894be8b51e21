import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { OpsTransactionsService } from '../admin/ops-transactions.service';
import type { StatusCountsDto } from '../admin/ops-dto';
import { OpsJobsService, QueueDepth } from './ops-jobs.service';

export interface CallbackHealth {
  attempts: number;
  failed: number;
  /** Failed attempts / attempts, 0 when there were none. */
  failureRate: number;
  lastStatusCode: number | null;
  lastError: string | null;
  lastAt: string | null;
}

export interface Overview {
  lastHour: StatusCountsDto;
  lastDay: StatusCountsDto;
  outbox: { pending: number; push: number; callback: number; oldestSeconds: number };
  queues: QueueDepth[];
  callbacksLastHour: CallbackHealth;
}

/**
 * The console's live numbers. Transaction counts come from the ops API's service; outbox and
 * callback-attempt figures are small aggregate queries kept here, the only place that shows them.
 */
@Injectable()
export class OpsOverviewService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly transactions: OpsTransactionsService,
    private readonly jobs: OpsJobsService,
  ) {}

  async overview(): Promise<Overview> {
    const now = Date.now();
    const [lastHour, lastDay, outbox, queues, callbacksLastHour] = await Promise.all([
      this.transactions.counts({ from: new Date(now - 3_600_000).toISOString() }),
      this.transactions.counts({ from: new Date(now - 86_400_000).toISOString() }),
      this.outbox(),
      this.jobs.depths(),
      this.callbackHealth(3600),
    ]);
    return { lastHour, lastDay, outbox, queues, callbacksLastHour };
  }

  /** Callback attempts of the last `seconds`, for every SP or one. */
  async callbackHealth(seconds: number, spId?: string): Promise<CallbackHealth> {
    const rows: { attempts: string; failed: string; last_status: number | null; last_error: string | null; last_at: Date | null }[] = await this.db.query(
      `SELECT count(*) AS attempts, count(*) FILTER (WHERE NOT a.delivered) AS failed,
              (array_agg(a.status_code ORDER BY a.id DESC))[1] AS last_status,
              (array_agg(a.error ORDER BY a.id DESC))[1] AS last_error,
              max(a.at) AS last_at
         FROM callback_attempts a
         ${spId ? 'JOIN consent_transactions t ON t.id = a.transaction_id AND t.sp_id = $2' : ''}
        WHERE a.at > now() - make_interval(secs => $1)`,
      spId ? [seconds, spId] : [seconds],
    );
    const r = rows[0];
    const attempts = Number(r?.attempts ?? 0);
    const failed = Number(r?.failed ?? 0);
    return {
      attempts,
      failed,
      failureRate: attempts ? failed / attempts : 0,
      lastStatusCode: r?.last_status ?? null,
      lastError: r?.last_error ? String(r.last_error).slice(0, 200) : null,
      lastAt: r?.last_at ? new Date(r.last_at).toISOString() : null,
    };
  }

  private async outbox() {
    const rows: { topic: string; n: string; oldest: number | null }[] = await this.db.query(
      `SELECT topic, count(*) AS n, extract(epoch FROM now() - min(created_at))::float AS oldest FROM outbox WHERE dispatched_at IS NULL GROUP BY topic`,
    );
    const of = (topic: string) => Number(rows.find((r) => r.topic === topic)?.n ?? 0);
    return {
      pending: of('push') + of('callback'),
      push: of('push'),
      callback: of('callback'),
      oldestSeconds: Math.round(Math.max(0, ...rows.map((r) => r.oldest ?? 0))),
    };
  }
}
