import { Inject, Injectable } from '@nestjs/common';
import { KEY_MATERIAL } from '../common/core.module';
import { ApiError } from '../common/errors/api-error';
import { maskStoredIdentifier } from '../consent/identifier-rules';
import { isUuid } from '../common/uuid';
import type { KeyMaterial } from '../common/key-material';
import { ProfileRow, UserDataRepository } from './user-data.repository';

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export interface Recipient {
  spId: string;
  name: string;
  nameAr: string;
  /** Consents this SP received as the requesting SP (it got the documents). */
  asRequester: number;
  /** Consents this SP received as the data owner (it shared the documents). */
  asDataOwner: number;
  /** Of those, still in force (ACCEPTED, not revoked). */
  active: number;
  firstConsentAt: string;
  lastConsentAt: string;
}

/**
 * The user's rights over their own data (access and transparency): a JSON export of their
 * consent history, and every SP that received a consent from them. Every query is bound to the
 * caller's own profile id; the requestor's identifier and additionalInfo (another person's data)
 * are never decrypted here, and the user's own identifiers are shown masked as everywhere else.
 */
@Injectable()
export class UserRightsService {
  constructor(
    private readonly repo: UserDataRepository,
    @Inject(KEY_MATERIAL) private readonly keys: KeyMaterial,
  ) {}

  async export(userId: string) {
    const profile = await this.profile(userId);
    const { documents, transactions, consentDocuments, events, standingConsents: standing } = await this.repo.exportRows(userId);
    const spIds = [...new Set(transactions.flatMap((t) => [t.sp_id, t.requested_by_id].filter((s): s is string => !!s)))];
    const sps = await this.repo.serviceProviders(spIds);
    const group = <T extends { transaction_id: string }>(rows: T[]) => {
      const by = new Map<string, T[]>();
      for (const r of rows) by.set(r.transaction_id, [...(by.get(r.transaction_id) ?? []), r]);
      return by;
    };
    const docsOf = group(consentDocuments);
    const eventsOf = group(events);
    return {
      exportedAt: new Date().toISOString(),
      user: {
        id: profile.id,
        name: profile.name,
        nameAr: profile.name_ar,
        verified: profile.verified,
        createdAt: iso(profile.created_at),
        documents: documents.map((d) => ({ idDocType: d.id_doc_type, identifier: maskStoredIdentifier(this.keys.secretBox, d.id_doc_type, d.identifier_enc) })),
      },
      transactions: transactions.map((t) => ({
        uaePassTransactionID: t.id,
        spTransactionID: t.sp_transaction_id,
        spId: t.sp_id,
        idDocType: t.id_doc_type,
        requestType: t.request_type,
        requestedById: t.requested_by_id,
        requestor: t.requestor_name ? { name: t.requestor_name, nameAr: t.requestor_name_ar, idType: t.requestor_id_type } : null,
        purpose: t.purpose,
        purposeAr: t.purpose_ar,
        status: t.status,
        createdAt: iso(t.created_at),
        updatedAt: iso(t.updated_at),
        expiresAt: iso(t.expires_at),
        decidedAt: iso(t.decided_at),
        anonymisedAt: iso(t.anonymised_at),
        receipt: t.receipt,
        ...(t.consent_terms ? { consentTerms: t.consent_terms } : {}),
        ...(t.standing_consent_id ? { standingConsentId: t.standing_consent_id } : {}),
        documents: (docsOf.get(t.id) ?? []).map((d) => ({
          type: d.type,
          typeAr: d.type_ar,
          name: d.name,
          nameAr: d.name_ar,
          metadata: d.metadata,
          mustBeAccepted: d.must_be_accepted,
          accepted: d.accepted,
        })),
        events: (eventsOf.get(t.id) ?? []).map((e) => ({ from: e.from_status, to: e.to_status, actor: e.actor, at: iso(e.at), detail: e.detail })),
      })),
      // Who may rely on a consent again without asking (the recipient is the granting transaction's).
      standingConsents: standing.map((s) => ({
        id: s.id,
        spId: s.sp_id,
        requestType: s.request_type,
        documentTypes: s.document_types,
        validUntil: iso(s.valid_until),
        createdAt: iso(s.created_at),
        revokedAt: iso(s.revoked_at),
      })),
      serviceProviders: sps.map((s) => ({ spId: s.client_id, name: s.name, nameAr: s.name_ar })),
    };
  }

  /** Every SP that received a consent from the user, with how and when. */
  async recipients(userId: string): Promise<{ items: Recipient[] }> {
    await this.profile(userId);
    const rows = await this.repo.recipients(userId);
    return {
      items: rows.map((r) => ({
        spId: r.sp_id,
        name: r.name,
        nameAr: r.name_ar,
        asRequester: r.as_requester,
        asDataOwner: r.as_owner,
        active: r.active,
        firstConsentAt: iso(r.first_at)!,
        lastConsentAt: iso(r.last_at)!,
      })),
    };
  }

  /** A token whose subject has no profile (deleted, or an external IdP's user unknown here): `0001`. */
  private async profile(userId: string): Promise<ProfileRow> {
    const profile = isUuid(userId) ? await this.repo.findProfile(userId) : undefined;
    if (!profile) throw new ApiError('0001');
    return profile;
  }
}
