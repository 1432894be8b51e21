import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { ApiError } from '../common/errors/api-error';
import { CALLBACK_QUEUE } from '../callbacks/callback-queue';
import { PUSH_QUEUE } from '../notifications/queues';

export interface FailedJobView {
  queue: string;
  id: string;
  name: string;
  transactionId: string | null;
  attemptsMade: number;
  failedReason: string;
  finishedOn: string | null;
}

export interface QueueDepth {
  queue: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

const MAX_LISTED = 100;

/** The BullMQ side of the console: queue depths, the failed set, and retrying a failed job. */
@Injectable()
export class OpsJobsService {
  private readonly queues: Map<string, Queue>;

  constructor(@InjectQueue(PUSH_QUEUE) push: Queue, @InjectQueue(CALLBACK_QUEUE) callbacks: Queue) {
    this.queues = new Map([
      [PUSH_QUEUE, push],
      [CALLBACK_QUEUE, callbacks],
    ]);
  }

  async depths(): Promise<QueueDepth[]> {
    return Promise.all(
      [...this.queues].map(async ([name, q]) => {
        const c = await q.getJobCounts('waiting', 'active', 'delayed', 'failed');
        return { queue: name, waiting: c.waiting ?? 0, active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 };
      }),
    );
  }

  /** The newest failed jobs of every queue (at most 100 each). */
  async failed(): Promise<FailedJobView[]> {
    const lists = await Promise.all([...this.queues].map(async ([name, q]) => (await q.getFailed(0, MAX_LISTED - 1)).map((job) => view(name, job))));
    return lists.flat().sort((a, b) => (b.finishedOn ?? '').localeCompare(a.finishedOn ?? ''));
  }

  /** Moves a failed job back to waiting; its attempts start again. */
  async retry(queueName: string, jobId: string): Promise<void> {
    const queue = this.queues.get(queueName);
    const job = queue && /^[A-Za-z0-9:_-]{1,128}$/.test(jobId) ? await queue.getJob(jobId) : undefined;
    if (!job || !(await job.isFailed())) throw new ApiError('OPS_1000006', { jobId: jobId.slice(0, 128), queue: queueName.slice(0, 64) });
    await job.retry('failed');
  }
}

function view(queue: string, job: Job): FailedJobView {
  const data = (job.data ?? {}) as { transactionId?: unknown };
  return {
    queue,
    id: String(job.id),
    name: job.name,
    transactionId: typeof data.transactionId === 'string' ? data.transactionId : null,
    attemptsMade: job.attemptsMade,
    // One line; a worker's error message, never the job's payload.
    failedReason: String(job.failedReason ?? '')
      .split('\n')[0]
      .slice(0, 300),
    finishedOn: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
  };
}
