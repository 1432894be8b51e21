import type { ConsentStatus } from '../consent/consent-state-machine';
import { OUTBOX_QUEUES } from '../outbox/outbox-topics';

/** One job per status the SP must hear about (ACCEPTED, REJECTED, EXPIRED, INIT_FAILED, REVOKED). */
export const CALLBACK_QUEUE = OUTBOX_QUEUES.callback;

export interface CallbackJobData {
  outboxId: string;
  transactionId: string;
  status: ConsentStatus;
}
