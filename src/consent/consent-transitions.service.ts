import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ApiError } from '../common/errors/api-error';
import { uuidV7 } from '../database/uuid-v7';
import { OutboxSignal } from '../outbox/outbox-signal';
import { CALLBACK_STATUSES, ConsentStatus, sourcesOf } from './consent-state-machine';
import { ConsentRepository } from './consent.repository';

export interface TransitionResult {
  id: string;
  spId: string;
  spTransactionId: string;
  from: ConsentStatus;
  to: ConsentStatus;
  /** The event's id (also its callback's) and its place in the transaction's events. */
  eventId: string;
  sequence: number;
}

/**
 * The only code that changes a consent status. One SQL statement moves the row (only from a
 * status the state machine allows), appends the event and, for statuses the SP hears about,
 * writes the callback's outbox row: all or nothing, and safe under concurrent deciders. It also
 * wakes the outbox relay once that row is committed, whoever the caller (user, SP, push worker,
 * expiry sweeper).
 */
@Injectable()
export class ConsentTransitions {
  constructor(
    private readonly consents: ConsentRepository,
    private readonly outbox: OutboxSignal,
  ) {}

  /** Moves the transaction, or answers why not (CONS_1000011 for a decided one, CONS_1000014 otherwise). */
  async transition(
    id: string,
    to: ConsentStatus,
    actor: string,
    opts: { detail?: Record<string, unknown>; manager?: EntityManager } = {},
  ): Promise<TransitionResult> {
    const moved = await this.tryTransition(id, to, actor, opts);
    if (moved) return moved;
    const current = await this.consents.findEffectiveStatus(id, opts.manager);
    if (!current) throw new ApiError('CONS_1000019', { uaePassTransactionID: id });
    // Overdue reads as EXPIRED (consent-state-machine.ts): no late decision, cancel or INIT_FAILED.
    if (current.status === 'EXPIRED') throw new ApiError('CONS_1000013', { spTransactionID: current.sp_transaction_id });
    if (current.status !== 'TRIGGERED' && sourcesOf(to).includes('TRIGGERED')) {
      throw new ApiError('CONS_1000011', { spTransactionID: current.sp_transaction_id, status: current.status });
    }
    throw new ApiError('CONS_1000014', { spTransactionID: current.sp_transaction_id, from: current.status, to });
  }

  /** Moves the transaction if the state machine allows it; null when it does not (nothing written). */
  async tryTransition(
    id: string,
    to: ConsentStatus,
    actor: string,
    opts: { detail?: Record<string, unknown>; manager?: EntityManager } = {},
  ): Promise<TransitionResult | null> {
    // The event's id is also its callback's (outbox) id: unique forever, so no queue ever
    // mistakes it for a job of an earlier database.
    const withCallback = CALLBACK_STATUSES.includes(to);
    const row = await this.consents.moveStatus(
      { id, to, from: sourcesOf(to), actor, detail: opts.detail ?? null, withCallback, eventId: uuidV7() },
      opts.manager,
    );
    if (row && withCallback) this.outbox.kickAfterCommit(opts.manager);
    return row
      ? { id: row.id, spId: row.sp_id, spTransactionId: row.sp_transaction_id, from: row.from_status, to, eventId: row.event_id, sequence: row.sequence }
      : null;
  }
}
