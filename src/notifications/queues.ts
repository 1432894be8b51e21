import { OUTBOX_QUEUES } from '../outbox/outbox-topics';

// Importers of the shared queue helpers and of both queue names predate src/outbox.
export { jobOptions, queuePrefix, workerLockOptions } from '../outbox/queue-options';

/** One job per new consent transaction, fanned out to every device of the user. */
export const PUSH_QUEUE = OUTBOX_QUEUES.push;
