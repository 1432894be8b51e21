import { Injectable } from '@nestjs/common';
import type { ConsentStatus } from '../consent/consent-state-machine';
import { OutboxOutcome, OutboxRepository } from '../outbox/outbox.repository';
import { CallbackEventRepository } from './callback-event.repository';

/** A committed event the SP hears about, as its callback reports it. */
export interface CallbackEvent {
  outboxId: string;
  eventId: string;
  transactionId: string;
  spId: string;
  spTransactionId: string;
  status: ConsentStatus;
  at: Date;
  sequence: number;
  /** Delivered, or skipped, for good. A finally failed event is not: an operator may retry its job. */
  settled: boolean;
  /** An earlier callback event of the transaction was neither delivered nor finally failed when this was read. */
  earlierPending: boolean;
}

export type CallbackOutcomeKind = OutboxOutcome;

/**
 * The callback events in Postgres: what a callback says is read here, from the row committed
 * with the status change (the outbox row and its consent event), never from the queue job.
 */
@Injectable()
export class CallbackEvents {
  constructor(
    private readonly repo: CallbackEventRepository,
    private readonly outbox: OutboxRepository,
  ) {}

  /**
   * The committed event, and whether an earlier one of its transaction still holds it back (one
   * query); null when no callback event has that id (a job the relay never made).
   */
  async load(eventId: string): Promise<CallbackEvent | null> {
    const r = await this.repo.findByEventId(eventId);
    if (!r) return null;
    return {
      outboxId: r.outbox_id,
      eventId,
      transactionId: r.transaction_id,
      spId: r.sp_id,
      spTransactionId: r.sp_transaction_id,
      status: r.status,
      at: r.at,
      sequence: r.sequence,
      settled: r.settled,
      earlierPending: r.earlier_pending,
    };
  }

  /**
   * Records the event's final outcome, which lets the transaction's next event go. Once only,
   * except that an operator's retry of a failed event may still record its delivery.
   */
  async settle(event: CallbackEvent, outcome: CallbackOutcomeKind): Promise<void> {
    await this.outbox.settle(event.outboxId, outcome);
  }
}
