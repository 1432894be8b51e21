import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { CALLBACK_QUEUE, CallbackJobData } from '../notifications/queues';
import { CallbackDelivery } from './callback-delivery.service';

/** Consumes the sp-callbacks queue; a thrown error makes BullMQ retry with exponential backoff. */
@Processor(CALLBACK_QUEUE, { concurrency: 16 })
export class CallbackProcessor extends WorkerHost {
  constructor(private readonly delivery: CallbackDelivery) {
    super();
  }

  async process(job: Job<CallbackJobData>): Promise<{ delivered: boolean; statusCode: number | null } | { skipped: true }> {
    const outcome = await this.delivery.deliver(job.data.transactionId, job.data.status, job.attemptsMade + 1);
    return outcome ? { delivered: true, statusCode: outcome.statusCode } : { skipped: true };
  }
}
