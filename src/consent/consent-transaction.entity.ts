import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { ConsentStatus } from './consent-state-machine';

@Entity('consent_transactions')
export class ConsentTransaction {
  /** The uaePassTransactionID. */
  @PrimaryColumn('uuid') id: string;
  @Column({ name: 'sp_id' }) spId: string;
  @Column({ name: 'sp_transaction_id' }) spTransactionId: string;
  @Column({ name: 'user_id', type: 'uuid' }) userId: string;
  @Column({ name: 'id_doc_type' }) idDocType: string;
  @Column({ name: 'request_type' }) requestType: 'spToSp' | 'peerToPeer';
  @Column({ name: 'requested_by_id', type: 'text', nullable: true }) requestedById: string | null;
  @Column({ type: 'text', nullable: true }) purpose: string | null;
  @Column({ name: 'purpose_ar', type: 'text', nullable: true }) purposeAr: string | null;
  @Column({ name: 'requestor_name', type: 'text', nullable: true }) requestorName: string | null;
  @Column({ name: 'requestor_name_ar', type: 'text', nullable: true }) requestorNameAr: string | null;
  @Column({ name: 'requestor_id_type', type: 'text', nullable: true }) requestorIdType: string | null;
  /** Encrypted JSON of the requestor's identifier and additionalInfo (never shown in listings). */
  @Column({ name: 'requestor_enc', type: 'text', nullable: true }) requestorEnc: string | null;
  @Column({ type: 'text' }) status: ConsentStatus;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt: Date;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true }) decidedAt: Date | null;
  /** Compact JWS receipt of an accepted consent. */
  @Column({ type: 'text', nullable: true }) receipt: string | null;
  /** Issue 21: statement, statementAr, termsUrl and validUntil as sent (see consent-terms.ts). */
  @Column({ name: 'consent_terms', type: 'jsonb', nullable: true }) consentTerms: Record<string, string> | null;
  /** The standing consent this request was answered from, without asking. */
  @Column({ name: 'standing_consent_id', type: 'uuid', nullable: true }) standingConsentId: string | null;
}

/** An accepted request that asked to stand (issue 21); its id is that transaction's id. */
@Entity('standing_consents')
export class StandingConsent {
  @PrimaryColumn('uuid') id: string;
  @Column({ name: 'sp_id' }) spId: string;
  @Column({ name: 'user_id', type: 'uuid' }) userId: string;
  @Column({ name: 'request_type' }) requestType: 'spToSp' | 'peerToPeer';
  /** `sp:<requestedById>`, or `person:<keyed hash of the requestor's idType:identifier>`. */
  @Column() recipient: string;
  @Column({ name: 'document_types', type: 'text', array: true }) documentTypes: string[];
  @Column({ name: 'valid_until', type: 'timestamptz' }) validUntil: Date;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt: Date | null;
}

export interface DocumentMetadata {
  displayName: string;
  displayNameAr: string;
}

@Entity('consent_documents')
export class ConsentDocument {
  @PrimaryColumn({ name: 'transaction_id', type: 'uuid' }) transactionId: string;
  @PrimaryColumn({ type: 'int' }) position: number;
  @Column() name: string;
  @Column({ name: 'name_ar' }) nameAr: string;
  @Column() type: string;
  @Column({ name: 'type_ar' }) typeAr: string;
  @Column({ type: 'jsonb' }) metadata: DocumentMetadata[];
  @Column({ name: 'must_be_accepted' }) mustBeAccepted: boolean;
  @Column({ type: 'boolean', nullable: true }) accepted: boolean | null;
}

/** Append-only (a trigger refuses UPDATE and DELETE). */
@Entity('consent_events')
export class ConsentEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'transaction_id', type: 'uuid' }) transactionId: string;
  @Column({ name: 'from_status', type: 'text', nullable: true }) fromStatus: ConsentStatus | null;
  @Column({ name: 'to_status', type: 'text' }) toStatus: ConsentStatus;
  @Column() actor: string;
  @Column({ type: 'timestamptz' }) at: Date;
  @Column({ type: 'jsonb', nullable: true }) detail: Record<string, unknown> | null;
  /** Unique forever (UUIDv7); the SP's callback and events feed carry it. NULL for events older than the DeliveryEvents migration. */
  @Column({ name: 'event_id', type: 'uuid', nullable: true }) eventId: string | null;
  /** 1 for the transaction's first event (TRIGGERED), then 2, 3, … */
  @Column({ type: 'int' }) sequence: number;
}
