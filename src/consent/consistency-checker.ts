import { CALLBACK_STATUSES, isLegalPath } from './consent-state-machine';
import { outboxJobId } from '../outbox/outbox-jobs';
import { OUTBOX_QUEUES } from '../outbox/outbox-topics';
import { ConsistencyCheckRepository, OutboxCheckRow, SqlRunner } from './consistency-check.repository';

/**
 * Invariants that must hold whatever failed (Redis, Postgres, a killed worker or server).
 * Used by `npm run check:consistency` (operators) and the reliability suite (tests), so both
 * judge the data the same way. Read-only: it never repairs anything.
 */

/** The few Redis commands the check needs (ioredis Redis or Cluster). */
export interface JobStore {
  exists(...keys: string[]): Promise<number>;
}

export type ProblemKind =
  | 'status-differs-from-last-event'
  | 'no-events'
  | 'illegal-event-chain'
  | 'broken-event-link'
  | 'no-documents'
  | 'no-push-outbox-row'
  | 'no-callback-outbox-row'
  | 'dispatched-without-job-or-record'
  | 'outbox-row-stuck-pending';

export interface ConsistencyProblem {
  kind: ProblemKind;
  transactionId: string;
  outboxId?: string;
  detail: string;
}

export interface ConsistencyReport {
  ok: boolean;
  checked: { transactions: number; events: number; outboxRows: number; jobsLookedUp: number };
  problems: ConsistencyProblem[];
}

export interface ConsistencyOptions {
  /** BullMQ key prefix (`queuePrefix(config)`, e.g. `{muwafaqa}`); with `jobs`, dispatched rows are looked up in Redis. */
  queuePrefix?: string;
  jobs?: JobStore;
  /** A pending outbox row older than this is reported (the relay should have moved it). */
  pendingOlderThanSeconds?: number;
  /** Only transactions created at or after this time (a big database can be checked by window). */
  since?: Date;
}

export async function checkConsistency(db: SqlRunner, opts: ConsistencyOptions = {}): Promise<ConsistencyReport> {
  const since = opts.since ?? new Date(0);
  const problems: ConsistencyProblem[] = [];
  const reads = new ConsistencyCheckRepository(db);
  const chains = await reads.transactionChains(since);
  const outbox = await reads.outboxRows(since);

  const pushRows = new Set(outbox.filter((o) => o.topic === 'push').map((o) => o.transaction_id));
  const callbackRows = new Set(outbox.filter((o) => o.topic === 'callback').map((o) => `${o.transaction_id}/${o.status}`));
  let events = 0;
  for (const c of chains) {
    const tos = c.tos ?? [];
    const froms = c.froms ?? [];
    events += tos.length;
    if (tos.length === 0) {
      problems.push({ kind: 'no-events', transactionId: c.id, detail: `status ${c.status} but no event` });
    } else {
      if (tos[tos.length - 1] !== c.status) {
        problems.push({ kind: 'status-differs-from-last-event', transactionId: c.id, detail: `status ${c.status}, last event → ${tos[tos.length - 1]}` });
      }
      if (!isLegalPath(tos)) problems.push({ kind: 'illegal-event-chain', transactionId: c.id, detail: tos.join(' → ') });
      // Each event's from_status is the previous event's to_status (the first has none).
      const linked = froms.every((from, i) => (i === 0 ? from === null : from === tos[i - 1]));
      if (!linked) problems.push({ kind: 'broken-event-link', transactionId: c.id, detail: froms.map((f, i) => `${f ?? '∅'}→${tos[i]}`).join(', ') });
    }
    // send writes transaction, documents, event and push outbox row in one statement: all or nothing.
    if (!c.has_documents) problems.push({ kind: 'no-documents', transactionId: c.id, detail: 'transaction without documents' });
    if (!pushRows.has(c.id) && !c.from_standing)
      problems.push({ kind: 'no-push-outbox-row', transactionId: c.id, detail: 'transaction without its push outbox row' });
    for (const to of tos) {
      if (CALLBACK_STATUSES.includes(to) && !callbackRows.has(`${c.id}/${to}`)) {
        problems.push({ kind: 'no-callback-outbox-row', transactionId: c.id, detail: `event → ${to} without its callback outbox row` });
      }
    }
  }

  const limit = opts.pendingOlderThanSeconds ?? 60;
  const dispatched: OutboxCheckRow[] = [];
  for (const o of outbox) {
    if (!o.dispatched) {
      if (o.age_seconds > limit) {
        problems.push({
          kind: 'outbox-row-stuck-pending',
          transactionId: o.transaction_id,
          outboxId: o.id,
          detail: `${o.topic} row pending for ${Math.round(o.age_seconds)} s`,
        });
      }
    } else if (!o.has_attempt && !nothingToDeliver(o)) {
      dispatched.push(o);
    }
  }
  // A dispatched row without any delivery record must still have its job (waiting, delayed, active…).
  let jobsLookedUp = 0;
  if (opts.jobs && opts.queuePrefix !== undefined) {
    for (const o of dispatched) {
      const queue = OUTBOX_QUEUES[o.topic];
      jobsLookedUp++;
      const jobId = outboxJobId(o.topic, o.event_id);
      if ((await opts.jobs.exists(`${opts.queuePrefix}:${queue}:${jobId}`)) === 0) {
        problems.push({
          kind: 'dispatched-without-job-or-record',
          transactionId: o.transaction_id,
          outboxId: o.id,
          detail: `${o.topic} row dispatched, no job ${jobId} in ${queue} and no attempt recorded`,
        });
      }
    }
  }
  return {
    ok: problems.length === 0,
    checked: { transactions: chains.length, events, outboxRows: outbox.length, jobsLookedUp },
    problems,
  };
}

/** Rows whose job rightly ends without an attempt record. */
function nothingToDeliver(o: OutboxCheckRow): boolean {
  // A push for a request already decided, cancelled or expired is skipped by the worker.
  if (o.topic === 'push') return o.tx_status !== null && o.tx_status !== 'TRIGGERED';
  // An SP without a callback URL polls instead.
  return o.callback_url === null;
}

/** The report as lines a person reads (the script prints it). */
export function describeReport(report: ConsistencyReport): string {
  const head = `checked ${report.checked.transactions} transactions, ${report.checked.events} events, ${report.checked.outboxRows} outbox rows, ${report.checked.jobsLookedUp} jobs looked up`;
  if (report.ok) return `${head}\nconsistent: no problem found`;
  return [
    head,
    `${report.problems.length} problem(s):`,
    ...report.problems.map((p) => `- ${p.kind} tx=${p.transactionId}${p.outboxId ? ` outbox=${p.outboxId}` : ''}: ${p.detail}`),
  ].join('\n');
}
