import { OUTBOX_QUEUES } from '../outbox/outbox-topics';

/** One job per event the SP must hear about (ACCEPTED, REJECTED, EXPIRED, INIT_FAILED, REVOKED). */
export const CALLBACK_QUEUE = OUTBOX_QUEUES.callback;
