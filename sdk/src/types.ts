/** Wire types of the UAE PASS-compatible SP API, as Muwafaqa answers them. */

export type IdDocType = 'EMIRATES_ID' | 'PASSPORT' | 'GCC_NATIONAL_ID_CARDS';
export type ConsentStatus = 'TRIGGERED' | 'ACCEPTED' | 'REJECTED' | 'INIT_FAILED' | 'EXPIRED' | 'CANCELLED' | 'REVOKED';

export interface ConsentDocument {
  name: string;
  nameAr: string;
  type: string;
  typeAr: string;
  metadata: { displayName: string; displayNameAr: string }[];
  /** Muwafaqa extension: rejecting this document rejects the whole request. */
  mustBeAccepted?: boolean;
}

/** The Send Consent Request body. `spId` defaults to the client's own id. */
export interface SendConsentRequest {
  identifier: string;
  idDocType: IdDocType;
  spTransactionID: string;
  spId?: string;
  requestedById?: string;
  purpose?: string;
  purposeAr?: string;
  requestType?: 'spToSp' | 'peerToPeer';
  requestor?: { name?: string; nameAr?: string; identifier?: string; idType?: IdDocType; additionalInfo?: Record<string, unknown> };
  content: { documents: ConsentDocument[] };
  /** Muwafaqa extension: the statement the user agrees to (both languages, at most 500 characters each) and an https link to the terms. */
  consent?: { statement: string; statementAr: string; termsUrl?: string };
  /**
   * Muwafaqa extension: ISO 8601 date-time with a zone. Asks for a standing consent until then: once the user
   * accepts, a later send for the same user, recipient and a subset of the documents is answered `ACCEPTED` at once.
   */
  validUntil?: string;
}

export interface SendConsentResult {
  uaePassTransactionID: string;
  /** TRIGGERED as in UAE PASS; ACCEPTED (Muwafaqa extension) when a standing consent answered the send at once. */
  transactionStatus: 'TRIGGERED' | 'ACCEPTED';
  spTransactionID: string;
}

/** What validate answers: send's answer without an id, since nothing was written. */
export interface ValidateConsentResult {
  valid: true;
  uaePassTransactionID: null;
  /** ACCEPTED when a standing consent would answer the send at once. */
  transactionStatus: 'TRIGGERED' | 'ACCEPTED';
  spTransactionID: string;
}

export interface TransactionStatusResult {
  uaePassTransactionID: string;
  spTransactionID: string;
  status: ConsentStatus;
}

/** What the gateway POSTs to the SP's callback URL. */
export interface ConsentCallback {
  spTransactionID: string;
  status: ConsentStatus;
  uaePassTransactionID: string;
}

/** Muwafaqa extension: one event of the SP's events feed (POST /api/v1/consent/events). */
export interface SpEvent {
  /** The callback's event id (X-Muwafaqa-Event-Id, webhook-id): the same on every retry. */
  eventId: string;
  uaePassTransactionID: string;
  spTransactionID: string;
  status: ConsentStatus;
  /** ISO 8601, when the status changed. */
  time: string;
  /** The event's place among its transaction's events (TRIGGERED is 1). */
  sequence: number;
  /** The callback: not finished yet, delivered, given up after the last attempt, or not sent (no callback URL). */
  delivery: 'pending' | 'delivered' | 'failed' | 'skipped';
}

export interface SpEventsPage {
  events: SpEvent[];
  /** Pass as `after` for the next page. */
  next: string | null;
  hasMore: boolean;
}

/** What the receipt route answers (Muwafaqa extension). */
export interface ConsentReceiptResult {
  uaePassTransactionID: string;
  spTransactionID: string;
  status: ConsentStatus;
  /** Compact JWS; check it with verifyReceipt. */
  receipt: string;
  jwksUri: string;
}

/** The claims of a verified consent receipt. */
export interface ConsentReceiptClaims {
  iss: string;
  aud: string | string[];
  /** Pairwise pseudonym of the user for this SP; never an identifier. */
  sub: string;
  iat: number;
  exp: number;
  jti: string;
  receipt_type: 'muwafaqa-consent-receipt/v1';
  txn: string;
  sp_transaction_id: string;
  data_owner: string;
  requester: { type: 'spToSp'; spId: string | null } | { type: 'peerToPeer'; name: string | null; nameAr: string | null };
  purpose: { en: string | null; ar: string | null };
  documents_accepted: string[];
  documents_rejected: string[];
  consented_at: string;
}

/** The seed's error body. */
export interface ErrorBody {
  code: string;
  desc: { ar: string; en: string };
}
