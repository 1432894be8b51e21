import type { Job } from 'bullmq';
import type { OutboxTopic } from './outbox-topics';

/**
 * What a relayed job carries: the committed event's id, and the transaction's id for operators'
 * views (failed set, queue board). Workers read neither: the event is named by the job id and
 * read from Postgres, so nothing written in Redis changes what is sent.
 */
export interface OutboxJobData {
  eventId: string;
  transactionId: string;
}

/**
 * The job id of an outbox row: its topic and its event id (a UUIDv7), so unique forever, not
 * per database lifetime. (BullMQ refuses ':' in custom ids.)
 */
export function outboxJobId(topic: OutboxTopic, eventId: string): string {
  return `${topic}-${eventId}`;
}

const JOB_ID = /^(push|callback)-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/**
 * The event a job stands for, read from its id (which the relay derived from the committed row),
 * never from its data: a job added or edited in Redis cannot redirect a worker to another event.
 * Null for an id the relay would never have made.
 */
export function eventIdOfJob(job: Pick<Job, 'id'>, topic: OutboxTopic): string | null {
  const m = JOB_ID.exec(String(job.id ?? ''));
  return m && m[1] === topic ? m[2] : null;
}
