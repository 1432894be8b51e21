import { Injectable } from '@nestjs/common';
import { OpsTransactionsService } from '../admin/ops-transactions.service';
import type { StatusCountsDto } from '../admin/ops-dto';
import { OpsJobsService, QueueDepth } from './ops-jobs.service';
import { OpsOverviewRepository } from './ops-overview.repository';

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
 * callback-attempt figures from the console's own small aggregates (OpsOverviewRepository).
 */
@Injectable()
export class OpsOverviewService {
  constructor(
    private readonly repo: OpsOverviewRepository,
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
    const r = await this.repo.callbackAttemptsSince(seconds, spId);
    const attempts = r?.attempts ?? 0;
    const failed = r?.failed ?? 0;
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
    const rows = await this.repo.pendingOutbox();
    const of = (topic: string) => rows.find((r) => r.topic === topic)?.n ?? 0;
    return {
      pending: of('push') + of('callback'),
      push: of('push'),
      callback: of('callback'),
      oldestSeconds: Math.round(Math.max(0, ...rows.map((r) => r.oldest ?? 0))),
    };
  }
}
