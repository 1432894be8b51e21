import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { isUuid } from '../common/uuid';
import { runPrepared } from '../database/prepared';
import { profileMatchSql } from '../users/user.repository';
import { ConsentStatus, EFFECTIVE_STATUS_SQL, overduePendingSql } from './consent-state-machine';
import type { ConsentTerms } from './consent-terms';
import { liveStandingSql } from './standing-consent.repository';

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
  /**
   * Who would receive the documents, as standing consents name it (`sp:<id>` or `person:<hash>`):
   * a live standing consent for it stops the write (`standing` in the answer). Null skips that
   * test, for a send the full standing lookup has already turned down.
   */
  standingRecipient: string | null;
}

/** What the batch statement answers for one send (`ord` is its 1-based place in the batch). */
export interface SendBatchRow {
  ord: number;
  written: boolean;
  user_id: string | null;
  verified: boolean | null;
  has_type: boolean | null;
  /** A live standing consent may answer this send: nothing was written (StandingConsentService decides). */
  standing: boolean;
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
  { name: 'standing_recipient', type: 'text', pick: (r) => r.standingRecipient },
];

/** The batch's columns, in parameter order ($1 is the first). */
export const SEND_COLUMN_NAMES: readonly string[] = COLUMNS.map((c) => c.name);

/**
 * The send statement for a batch of any size (one name, one plan): per send, the profile lookup
 * (nothing is written unless the profile may be asked; its answer then picks the seed's error),
 * the idempotency claim, the transaction, its documents, its first event and the push's outbox
 * row. It commits whole or not at all.
 *
 * A send a live standing consent of its user may answer (issue 21) writes nothing and answers
 * `standing`: the service then runs the full lookup and the standing answer in a transaction of
 * their own. Testing it here, one index probe per send, spares every send a round trip of its own.
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
  SELECT r.ord, m.user_id, m.verified, m.has_type,
         coalesce(m.verified AND m.has_type AND EXISTS (
           SELECT 1 FROM standing_consents s
            WHERE s.user_id = m.user_id
              AND ${liveStandingSql({
                spId: 'r.sp_id',
                recipient: 'r.standing_recipient',
                requestType: 'r.request_type',
                documentTypes: `ARRAY(SELECT jsonb_array_elements(r.documents)->>'type')`,
              })}), false) AS standing
    FROM req r LEFT JOIN LATERAL (${profileMatchSql('r.identifier_hash', 'r.id_doc_type')}) m ON true
), claim AS (
  INSERT INTO consent_idempotency (sp_id, sp_transaction_id, transaction_id)
  SELECT r.sp_id, r.sp_transaction_id, r.id FROM req r JOIN profile p ON p.ord = r.ord
   WHERE p.has_type AND p.verified AND NOT p.standing
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
SELECT r.ord::int AS ord, EXISTS (SELECT 1 FROM tx WHERE tx.id = r.id) AS written, p.user_id, p.verified, p.has_type, p.standing
  FROM req r JOIN profile p ON p.ord = r.ord
 ORDER BY r.ord`;

/** The batch statement's parameters: one array per column, one element per send. */
export function sendBatchParams(rows: readonly SendRow[]): unknown[][] {
  return COLUMNS.map((c) => rows.map(c.pick));
}

/** A send answered from a standing consent: its own transaction, owned by the standing consent's user. */
export interface StandingAnswerRow extends Omit<SendRow, 'identifierHash' | 'consentTerms' | 'standingRecipient'> {
  userId: string;
  standingConsentId: string;
}

/** One status move, as ConsentTransitions decided it may be tried. */
export interface StatusMove {
  id: string;
  to: ConsentStatus;
  /** The statuses the state machine allows `to` from. */
  from: readonly ConsentStatus[];
  actor: string;
  detail: Record<string, unknown> | null;
  /** Whether the SP hears about `to`: then the callback's outbox row is written too. */
  withCallback: boolean;
  /** The event's id, also its callback's. */
  eventId: string;
}

export interface MovedRow {
  id: string;
  sp_id: string;
  sp_transaction_id: string;
  from_status: ConsentStatus;
  event_id: string;
  sequence: number;
}

export interface DocumentRow {
  position: number;
  name: string;
  name_ar: string;
  type: string;
  type_ar: string;
  metadata: { displayName: string; displayNameAr: string }[];
  must_be_accepted: boolean;
  accepted: boolean | null;
}

export interface EventRow {
  from_status: ConsentStatus | null;
  to_status: ConsentStatus;
  actor: string;
  at: Date;
}

/** A transaction's identity, stored status and receipt (the receipt routes and the ownership check). */
export interface TransactionRow {
  id: string;
  sp_transaction_id: string;
  status: ConsentStatus;
  receipt: string | null;
}

/** What a receipt states about an accepted transaction. */
export interface ReceiptFacts {
  sp_id: string;
  sp_transaction_id: string;
  user_id: string;
  request_type: 'spToSp' | 'peerToPeer';
  requested_by_id: string | null;
  requestor_name: string | null;
  requestor_name_ar: string | null;
  purpose: string | null;
  purpose_ar: string | null;
  decided_at: Date;
  consent_terms: ConsentTerms | null;
  standing_consent_id: string | null;
  /** The receipt of the standing consent it was answered from. */
  standing_receipt: string | null;
}

/** What a standing consent records of the accepted transaction that grants it. */
export interface StandingGrantFacts {
  sp_id: string;
  user_id: string;
  request_type: 'spToSp' | 'peerToPeer';
  requested_by_id: string | null;
  requestor_id_type: string | null;
  requestor_enc: string | null;
  valid_until: string | null;
  /** The accepted documents' types, in request order. */
  types: string[];
}

/**
 * All SQL on consent_transactions, consent_documents, consent_events and consent_idempotency.
 * Reads that join other families for one feature live in that feature's repository.
 */
@Injectable()
export class ConsentRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Writes a batch of sends in one statement (SEND_BATCH_SQL), prepared once per connection: the
   * hot path. Answers one row per send, in batch order.
   */
  insertBatch(rows: readonly SendRow[]): Promise<SendBatchRow[]> {
    return runPrepared<SendBatchRow>(this.db, 'consent_send_batch', SEND_BATCH_SQL, sendBatchParams(rows));
  }

  /**
   * Writes a send answered from a standing consent, TRIGGERED with its documents accepted: the
   * idempotency claim, the transaction (with the standing consent's wording), its documents and
   * its first event, in one statement. False when the (spId, spTransactionID) pair is taken.
   */
  async insertAnsweredFromStanding(row: StandingAnswerRow, m: EntityManager): Promise<boolean> {
    const rows: { id: string }[] = await m.query(
      `WITH claim AS (
         INSERT INTO consent_idempotency (sp_id, sp_transaction_id, transaction_id) VALUES ($2, $3, $1)
         ON CONFLICT DO NOTHING RETURNING transaction_id
       ), tx AS (
         INSERT INTO consent_transactions
           (id, sp_id, sp_transaction_id, user_id, id_doc_type, request_type, requested_by_id, purpose, purpose_ar,
            requestor_name, requestor_name_ar, requestor_id_type, requestor_enc, status, expires_at, consent_terms, standing_consent_id)
         SELECT claim.transaction_id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'TRIGGERED', now() + make_interval(secs => $14),
                -- what the user agreed to is the standing consent's wording, not anything new
                (SELECT o.consent_terms - 'validUntil' FROM consent_transactions o WHERE o.id = $15), $15
           FROM claim
         RETURNING id
       ), docs AS (
         INSERT INTO consent_documents (transaction_id, position, name, name_ar, type, type_ar, metadata, must_be_accepted, accepted)
         SELECT tx.id, d.ord - 1, d.doc->>'name', d.doc->>'nameAr', d.doc->>'type', d.doc->>'typeAr', d.doc->'metadata', (d.doc->>'mustBeAccepted')::boolean, true
           FROM tx, jsonb_array_elements($16::jsonb) WITH ORDINALITY AS d(doc, ord)
       ), event AS (
         INSERT INTO consent_events (transaction_id, from_status, to_status, actor) SELECT id, NULL, 'TRIGGERED', $17 FROM tx
       )
       SELECT id FROM tx`,
      [
        row.id,
        row.spId,
        row.spTransactionId,
        row.userId,
        row.idDocType,
        row.requestType,
        row.requestedById,
        row.purpose,
        row.purposeAr,
        row.requestorName,
        row.requestorNameAr,
        row.requestorIdType,
        row.requestorEnc,
        row.ttlSeconds,
        row.standingConsentId,
        row.documents,
        row.actor,
      ],
    );
    return rows.length > 0;
  }

  /**
   * Moves one transaction's status in one statement, only from a status in `from` (read under
   * the row's lock): the status, the event and, for statuses the SP hears about, the callback's
   * outbox row commit together. Null when the row did not move (nothing written).
   */
  async moveStatus(move: StatusMove, m: EntityManager = this.db.manager): Promise<MovedRow | null> {
    // event_seq is read from the locked row, so concurrent movers of one transaction never number two events alike.
    const rows: MovedRow[] = await m.query(
      `WITH moved AS (
           UPDATE consent_transactions t
              SET status = $2, updated_at = now(), event_seq = t.event_seq + 1,
                  decided_at = CASE WHEN $2 IN ('ACCEPTED','REJECTED') THEN now() ELSE t.decided_at END
             FROM (SELECT id, status FROM consent_transactions WHERE id = $1 FOR UPDATE) old
            WHERE t.id = old.id AND old.status = ANY($3::text[])
              -- a pending request past its expiry already reads as EXPIRED on the status route,
              -- so EXPIRED is the only move left to it (no late decision, cancel or INIT_FAILED)
              AND (old.status <> 'TRIGGERED' OR t.expires_at > now() OR $2 = 'EXPIRED')
            RETURNING t.id, t.sp_id, t.sp_transaction_id, old.status AS from_status, t.event_seq AS sequence
         ), event AS (
           INSERT INTO consent_events (transaction_id, from_status, to_status, actor, detail, event_id, sequence)
           SELECT id, from_status, $2, $4, $5::jsonb, $7, sequence FROM moved
         ), callback AS (
           INSERT INTO outbox (topic, transaction_id, payload, event_id, sp_id)
           SELECT 'callback', id, jsonb_build_object('status', $2::text), $7, sp_id FROM moved WHERE $6
         )
         SELECT id, sp_id, sp_transaction_id, from_status, $7::uuid AS event_id, sequence FROM moved`,
      [move.id, move.to, move.from, move.actor, move.detail ? JSON.stringify(move.detail) : null, move.withCallback, move.eventId],
    );
    return rows[0] ?? null;
  }

  /** The effective status (an overdue pending one reads EXPIRED) of a transaction, to say why it did not move. */
  async findEffectiveStatus(id: string, m: EntityManager = this.db.manager): Promise<{ status: ConsentStatus; sp_transaction_id: string } | null> {
    const rows: { status: ConsentStatus; sp_transaction_id: string }[] = await m.query(
      `SELECT ${EFFECTIVE_STATUS_SQL} AS status, sp_transaction_id FROM consent_transactions WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** Locks a batch of overdue pending transactions, oldest expiry first; rows another sweeper holds are skipped. */
  async lockOverdue(limit: number, m: EntityManager): Promise<string[]> {
    const rows: { id: string }[] = await m.query(
      `SELECT id FROM consent_transactions WHERE ${overduePendingSql()}
          ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows.map((r) => r.id);
  }

  /** The user's own transaction; null for another user's, a missing one, or an id that is no UUID. */
  async findOwned(userId: string, transactionId: string, m: EntityManager = this.db.manager): Promise<TransactionRow | null> {
    if (!isUuid(transactionId)) return null;
    const rows: TransactionRow[] = await m.query(`SELECT id, sp_transaction_id, status, receipt FROM consent_transactions WHERE id = $1 AND user_id = $2`, [
      transactionId,
      userId,
    ]);
    return rows[0] ?? null;
  }

  /** The SP's transaction by its own id. */
  async findBySpTransaction(spId: string, spTransactionId: string): Promise<TransactionRow | null> {
    const rows: TransactionRow[] = await this.db.query(
      `SELECT id, sp_transaction_id, status, receipt FROM consent_transactions WHERE sp_id = $1 AND sp_transaction_id = $2`,
      [spId, spTransactionId],
    );
    return rows[0] ?? null;
  }

  /** A transaction's documents in request order. */
  findDocuments(transactionId: string, m: EntityManager = this.db.manager): Promise<DocumentRow[]> {
    return m.query(
      `SELECT position, name, name_ar, type, type_ar, metadata, must_be_accepted, accepted FROM consent_documents WHERE transaction_id = $1 ORDER BY position`,
      [transactionId],
    );
  }

  /** Records the user's choice per document (by position). */
  async recordDocumentChoices(transactionId: string, choices: readonly { position: number; accepted: boolean }[], m: EntityManager): Promise<void> {
    await m.query(
      `UPDATE consent_documents d SET accepted = x.accepted
         FROM jsonb_to_recordset($2::jsonb) AS x(position int, accepted boolean)
        WHERE d.transaction_id = $1 AND d.position = x.position`,
      [transactionId, JSON.stringify(choices)],
    );
  }

  /** A transaction's status history, oldest first. */
  findEvents(transactionId: string): Promise<EventRow[]> {
    return this.db.query(`SELECT from_status, to_status, actor, at FROM consent_events WHERE transaction_id = $1 ORDER BY id`, [transactionId]);
  }

  async findReceiptFacts(transactionId: string, m: EntityManager): Promise<ReceiptFacts | null> {
    const rows: ReceiptFacts[] = await m.query(
      `SELECT t.sp_id, t.sp_transaction_id, t.user_id, t.request_type, t.requested_by_id, t.requestor_name, t.requestor_name_ar,
              t.purpose, t.purpose_ar, t.decided_at, t.consent_terms, t.standing_consent_id,
              (SELECT o.receipt FROM consent_transactions o WHERE o.id = t.standing_consent_id) AS standing_receipt
         FROM consent_transactions t WHERE t.id = $1`,
      [transactionId],
    );
    return rows[0] ?? null;
  }

  async storeReceipt(transactionId: string, receipt: string, m: EntityManager): Promise<void> {
    await m.query(`UPDATE consent_transactions SET receipt = $2 WHERE id = $1`, [transactionId, receipt]);
  }

  async findStandingGrantFacts(transactionId: string, m: EntityManager): Promise<StandingGrantFacts | null> {
    const rows: StandingGrantFacts[] = await m.query(
      `SELECT t.sp_id, t.user_id, t.request_type, t.requested_by_id, t.requestor_id_type, t.requestor_enc, t.consent_terms->>'validUntil' AS valid_until,
              ARRAY(SELECT d.type FROM consent_documents d WHERE d.transaction_id = t.id AND d.accepted ORDER BY d.position) AS types
         FROM consent_transactions t WHERE t.id = $1`,
      [transactionId],
    );
    return rows[0] ?? null;
  }

  /** The user's still-accepted transactions that were answered from a standing consent. */
  async findAcceptedAnsweredFrom(standingConsentId: string, userId: string, m: EntityManager): Promise<string[]> {
    const rows: { id: string }[] = await m.query(
      `SELECT id FROM consent_transactions WHERE standing_consent_id = $1 AND user_id = $2 AND status = 'ACCEPTED' ORDER BY id`,
      [standingConsentId, userId],
    );
    return rows.map((r) => r.id);
  }
}
