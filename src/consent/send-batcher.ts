import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isDependencyDown } from '../common/errors/dependency-down';
import { APP_CONFIG, AppConfig } from '../config/config';
import { runPrepared } from '../database/prepared';
import type { ProfileMatch } from '../users/user-directory.service';
import { profileMatchSql } from '../users/user-directory.service';

/** One send, checked and ready to write: every value the send statement stores. */
export interface SendRow {
  id: string;
  spId: string;
  spTransactionId: string;
  identifierHash: string;
  idDocType: string;
  requestType: string;
  requestedById: string | null;
  purpose: string | null;
  purposeAr: string | null;
  requestorName: string | null;
  requestorNameAr: string | null;
  requestorIdType: string | null;
  requestorEnc: string | null;
  ttlSeconds: number;
  /** The documents as JSON: [{name, nameAr, type, typeAr, metadata, mustBeAccepted}]. */
  documents: string;
  /** The first event's actor (`sp:<clientId>`). */
  actor: string;
  /** The optional statement and terms the user is asked to agree to, as JSON (consent-terms.ts). */
  consentTerms: string | null;
}

/** What the batch statement answered for one send. */
export interface SendOutcome {
  /** False when nothing was written: the profile refused it, or the pair was already claimed. */
  written: boolean;
  profile: ProfileMatch | null;
}

/**
 * The columns of one send, in parameter order: each becomes a `$n::type[]` array of the batch
 * and a column of `req`. A new stored field is one more entry here and in the INSERT below.
 */
const COLUMNS: readonly { name: string; type: string; pick: (r: SendRow) => unknown }[] = [
  { name: 'id', type: 'uuid', pick: (r) => r.id },
  { name: 'sp_id', type: 'text', pick: (r) => r.spId },
  { name: 'sp_transaction_id', type: 'text', pick: (r) => r.spTransactionId },
  { name: 'identifier_hash', type: 'text', pick: (r) => r.identifierHash },
  { name: 'id_doc_type', type: 'text', pick: (r) => r.idDocType },
  { name: 'request_type', type: 'text', pick: (r) => r.requestType },
  { name: 'requested_by_id', type: 'text', pick: (r) => r.requestedById },
  { name: 'purpose', type: 'text', pick: (r) => r.purpose },
  { name: 'purpose_ar', type: 'text', pick: (r) => r.purposeAr },
  { name: 'requestor_name', type: 'text', pick: (r) => r.requestorName },
  { name: 'requestor_name_ar', type: 'text', pick: (r) => r.requestorNameAr },
  { name: 'requestor_id_type', type: 'text', pick: (r) => r.requestorIdType },
  { name: 'requestor_enc', type: 'text', pick: (r) => r.requestorEnc },
  { name: 'ttl_seconds', type: 'int', pick: (r) => r.ttlSeconds },
  { name: 'documents', type: 'jsonb', pick: (r) => r.documents },
  { name: 'actor', type: 'text', pick: (r) => r.actor },
  { name: 'consent_terms', type: 'jsonb', pick: (r) => r.consentTerms },
];

/** The batch's columns, in parameter order ($1 is the first). */
export const SEND_COLUMN_NAMES: readonly string[] = COLUMNS.map((c) => c.name);

/**
 * The send statement for a batch of any size (one name, one plan): per send, the profile lookup
 * (nothing is written unless the profile may be asked; its answer then picks the seed's error),
 * the idempotency claim, the transaction, its documents, its first event and the push's outbox
 * row. It commits whole or not at all.
 *
 * The claim's ON CONFLICT DO NOTHING makes repeats of one (spId, spTransactionID) create exactly
 * one row, within the batch (the first in request order wins) as against the table and other
 * instances. Claims are taken in key order, so two batches claiming overlapping keys queue
 * behind each other instead of deadlocking. Each request is answered from its own row.
 */
export const SEND_BATCH_SQL = `WITH req AS (
  SELECT * FROM unnest(${COLUMNS.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ')})
    WITH ORDINALITY AS r(${COLUMNS.map((c) => c.name).join(', ')}, ord)
), profile AS MATERIALIZED (
  SELECT r.ord, m.user_id, m.verified, m.has_type
    FROM req r LEFT JOIN LATERAL (${profileMatchSql('r.identifier_hash', 'r.id_doc_type')}) m ON true
), claim AS (
  INSERT INTO consent_idempotency (sp_id, sp_transaction_id, transaction_id)
  SELECT r.sp_id, r.sp_transaction_id, r.id FROM req r JOIN profile p ON p.ord = r.ord
   WHERE p.has_type AND p.verified
   ORDER BY r.sp_id, r.sp_transaction_id, r.ord
  ON CONFLICT DO NOTHING
  RETURNING transaction_id
), tx AS (
  INSERT INTO consent_transactions
    (id, sp_id, sp_transaction_id, user_id, id_doc_type, request_type, requested_by_id, purpose, purpose_ar,
     requestor_name, requestor_name_ar, requestor_id_type, requestor_enc, status, expires_at, consent_terms)
  SELECT r.id, r.sp_id, r.sp_transaction_id, p.user_id, r.id_doc_type, r.request_type, r.requested_by_id, r.purpose, r.purpose_ar,
         r.requestor_name, r.requestor_name_ar, r.requestor_id_type, r.requestor_enc, 'TRIGGERED', now() + make_interval(secs => r.ttl_seconds),
         r.consent_terms
    FROM claim c JOIN req r ON r.id = c.transaction_id JOIN profile p ON p.ord = r.ord
  RETURNING id
), docs AS (
  INSERT INTO consent_documents (transaction_id, position, name, name_ar, type, type_ar, metadata, must_be_accepted)
  SELECT tx.id, d.pos - 1, d.doc->>'name', d.doc->>'nameAr', d.doc->>'type', d.doc->>'typeAr', d.doc->'metadata', (d.doc->>'mustBeAccepted')::boolean
    FROM tx JOIN req r ON r.id = tx.id, jsonb_array_elements(r.documents) WITH ORDINALITY AS d(doc, pos)
), event AS (
  INSERT INTO consent_events (transaction_id, from_status, to_status, actor)
  SELECT tx.id, NULL, 'TRIGGERED', r.actor FROM tx JOIN req r ON r.id = tx.id
), push AS (
  INSERT INTO outbox (topic, transaction_id, payload) SELECT 'push', id, '{}'::jsonb FROM tx
)
SELECT r.ord::int AS ord, EXISTS (SELECT 1 FROM tx WHERE tx.id = r.id) AS written, p.user_id, p.verified, p.has_type
  FROM req r JOIN profile p ON p.ord = r.ord
 ORDER BY r.ord`;

/** The batch statement's parameters: one array per column, one element per send. */
export function sendBatchParams(rows: readonly SendRow[]): unknown[][] {
  return COLUMNS.map((c) => rows.map(c.pick));
}

interface Waiting {
  row: SendRow;
  resolve(outcome: SendOutcome): void;
  reject(err: unknown): void;
}

interface OutcomeRow {
  ord: number;
  written: boolean;
  user_id: string | null;
  verified: boolean | null;
  has_type: boolean | null;
}

/**
 * Group commit for send: concurrent sends share one statement, one round trip and one commit.
 *
 * A send arriving while no batch statement is running goes at once (after the current event-loop
 * turn, which gathers what arrived with it): no added latency under low load. While one runs,
 * sends gather until SEND_BATCH_MAX of them wait or SEND_BATCH_WINDOW_MS has passed since the
 * first, whichever comes first, or until the running statement ends.
 *
 * A batch that fails because Postgres is away fails all its sends (each answers the coded 503;
 * the statement wrote nothing). Any other failure (one send's value refused by the database) is
 * retried send by send, so one bad request never fails the others.
 */
@Injectable()
export class SendBatcher implements OnApplicationShutdown {
  private queue: Waiting[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private readonly windowMs: number;
  private readonly max: number;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.windowMs = config.sendBatchWindowMs;
    this.max = config.sendBatchMax;
  }

  submit(row: SendRow): Promise<SendOutcome> {
    return new Promise<SendOutcome>((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      if (this.queue.length >= this.max) this.flush();
      else if (this.inFlight === 0) this.immediate ??= setImmediate(() => this.flush());
      else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
    });
  }

  onApplicationShutdown(): void {
    // Whatever waits still goes: the pool closes after the providers' shutdown hooks.
    if (this.queue.length) this.flush();
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.max);
      this.inFlight++;
      void this.write(batch).finally(() => {
        this.inFlight--;
        // The connection is free again: what gathered meanwhile goes now rather than at its deadline.
        if (this.inFlight === 0 && this.queue.length) this.flush();
      });
    }
  }

  private async write(batch: Waiting[]): Promise<void> {
    let rows: OutcomeRow[];
    try {
      rows = await this.run(batch.map((w) => w.row));
    } catch (err) {
      if (batch.length === 1 || isDependencyDown(err)) {
        for (const w of batch) w.reject(err);
        return;
      }
      // One send's value was refused (the statement wrote nothing): each goes again on its own.
      await Promise.all(batch.map((w) => this.write([w])));
      return;
    }
    for (const r of rows) {
      const w = batch[r.ord - 1];
      w.resolve({
        written: r.written,
        profile: r.user_id ? { userId: r.user_id, verified: r.verified!, hasDocType: r.has_type! } : null,
      });
    }
  }

  private run(rows: SendRow[]): Promise<OutcomeRow[]> {
    return runPrepared<OutcomeRow>(this.db, 'consent_send_batch', SEND_BATCH_SQL, sendBatchParams(rows));
  }
}
