import { Inject, Injectable } from '@nestjs/common';
import { KEY_MATERIAL } from '../common/core.module';
import { uuidV7 } from '../database/uuid-v7';
import { ApiError } from '../common/errors/api-error';
import type { KeyMaterial } from '../common/key-material';
import { SpDirectory, SpProfile } from '../service-providers/sp-directory.service';
import { profileRefusal, UserDirectory } from '../users/user-directory.service';
import { assertCallerIsSp } from './caller-sp';
import { IdentifierProbes } from './identifier-probes';
import { isPending } from './consent-state-machine';
import { checkConsentTerms, ConsentTerms } from './consent-terms';
import { SendConsentDto, SendConsentResponseDto } from './dto/send-consent.dto';
import { normalizeIdentifier } from './identifier-rules';
import { OutboxSignal } from '../outbox/outbox-signal';
import { StandingConsentService } from './standing-consent.service';
import { SendBatcher } from './send-batcher';
import type { SendRow } from './consent.repository';
import { StatusRepository } from './status.repository';
import { encryptedRequestor, storedDocuments } from './stored-request';

/** A request that passed every check that needs no database; the profile is checked by the write itself. */
interface PreparedConsent {
  identifierHash: string;
  requestType: 'spToSp' | 'peerToPeer';
  ttlSeconds: number;
  /** The optional statement, terms link and validUntil (issue 21); null when the request has none. */
  terms: ConsentTerms | null;
}

// In its own file so receipt.service.ts needs nothing from here (this service depends on receipts through standing consents).
export { assertCallerIsSp };

/**
 * POST /api/v1/consent/transaction/send (and /validate, which runs every check and writes nothing).
 * The checks follow the seed's error table; the write is one SQL statement, shared by concurrent sends.
 */
@Injectable()
export class SendConsentService {
  constructor(
    private readonly statuses: StatusRepository,
    private readonly sps: SpDirectory,
    private readonly users: UserDirectory,
    private readonly outbox: OutboxSignal,
    private readonly standing: StandingConsentService,
    private readonly batcher: SendBatcher,
    @Inject(KEY_MATERIAL) private readonly keys: KeyMaterial,
    private readonly probes: IdentifierProbes,
  ) {}

  /** 0001 and CONS_1000003 tell the SP whether an identifier is registered: counted per SP, so probing shows (alert rule). */
  private countedProbe(caller: SpProfile, refusal: ApiError): ApiError {
    this.probes.record(caller.clientId, refusal.body.code);
    return refusal;
  }

  async send(caller: SpProfile, dto: SendConsentDto): Promise<SendConsentResponseDto> {
    const prepared = await this.check(caller, dto);
    // Time-ordered: the id's leading bits pick the month's partition.
    const id = uuidV7();
    const requestor = dto.requestor;
    const row: SendRow = {
      id,
      spId: caller.clientId,
      spTransactionId: dto.spTransactionID,
      identifierHash: prepared.identifierHash,
      idDocType: dto.idDocType,
      requestType: prepared.requestType,
      requestedById: prepared.requestType === 'spToSp' ? (dto.requestedById ?? null) : null,
      purpose: dto.purpose ?? null,
      purposeAr: dto.purposeAr ?? null,
      requestorName: requestor?.name ?? null,
      requestorNameAr: requestor?.nameAr ?? null,
      requestorIdType: requestor?.idType ?? null,
      requestorEnc: encryptedRequestor(this.keys, prepared.requestType, dto),
      ttlSeconds: prepared.ttlSeconds,
      documents: storedDocuments(dto),
      actor: `sp:${caller.clientId}`,
      consentTerms: prepared.terms ? JSON.stringify(prepared.terms) : null,
      standingRecipient: this.standing.recipientOf(dto, prepared.requestType),
    };
    // One statement per batch of concurrent sends (see SendBatcher): the profile lookup, the
    // standing-consent test, the idempotency claim, the transaction, its documents, its first
    // event and the push's outbox row commit together or not at all.
    let written = await this.batcher.submit(row);
    if (written.standing) {
      // A standing consent the user gave this SP may answer at once, without asking (issue 21):
      // the full match decides, in its own transaction; when it does not apply, the user is asked.
      const answered = await this.standing.answerFromStanding(caller, dto, prepared);
      if (answered) return answered;
      written = await this.batcher.submit({ ...row, standingRecipient: null });
    }
    const refusal = profileRefusal(written.profile);
    if (refusal) throw this.countedProbe(caller, refusal);
    if (!written.written) await this.throwExisting(caller.clientId, dto.spTransactionID);
    this.outbox.kick();
    return { uaePassTransactionID: id, transactionStatus: 'TRIGGERED', spTransactionID: dto.spTransactionID };
  }

  /** /validate: what send would answer, without writing. */
  async validate(caller: SpProfile, dto: SendConsentDto) {
    const prepared = await this.check(caller, dto);
    const refusal = profileRefusal(await this.users.findByHash(dto.idDocType, prepared.identifierHash));
    if (refusal) throw this.countedProbe(caller, refusal);
    await this.throwExisting(caller.clientId, dto.spTransactionID, true);
    const transactionStatus = (await this.standing.wouldAnswer(caller, dto, prepared)) ? ('ACCEPTED' as const) : ('TRIGGERED' as const);
    return { valid: true, uaePassTransactionID: null, transactionStatus, spTransactionID: dto.spTransactionID };
  }

  private async check(caller: SpProfile, dto: SendConsentDto): Promise<PreparedConsent> {
    await assertCallerIsSp(this.sps, caller, dto.spId);
    const identifier = normalizeIdentifier(dto.idDocType, dto.identifier);
    if (!identifier) throw new ApiError('UMS_VAL_025');

    const requestType = dto.requestType ?? 'spToSp';
    if (requestType === 'peerToPeer') {
      const r = dto.requestor;
      if (!r?.name || !r.nameAr || !r.identifier || !r.idType) throw new ApiError('CONS_1000008');
      if (!normalizeIdentifier(r.idType, r.identifier)) throw new ApiError('UMS_VAL_025');
      if (dto.requestedById !== undefined) throw new ApiError('CONS_1000009');
    } else {
      if (!dto.requestedById) throw new ApiError('CONS_1000009');
      const requester = await this.sps.get(dto.requestedById);
      if (!requester) throw new ApiError('CONS_1000012', { spId: dto.requestedById });
      if (requester.disabled) throw new ApiError('CONS_1000016', { spId: dto.requestedById });
    }
    if (dto.requestor?.additionalInfo && JSON.stringify(dto.requestor.additionalInfo).length > 4096) {
      throw new ApiError('CONS_1000007', { field: 'requestor.additionalInfo', reason: 'it is too long', reasonAr: 'القيمة طويلة جداً' });
    }
    const types = dto.content.documents.map((d) => d.type);
    const repeated = types.findIndex((t, i) => types.indexOf(t) !== i);
    if (repeated >= 0) {
      throw new ApiError('CONS_1000007', { field: `content.documents[${repeated}].type`, reason: 'it repeats a value', reasonAr: 'القيمة مكررة' });
    }

    const terms = checkConsentTerms(dto.consent, dto.validUntil, caller.standingConsentMaxDays);
    return { identifierHash: this.users.hashOf(identifier), requestType, ttlSeconds: caller.consentTtlSeconds, terms };
  }

  /** A repeat of a pending transaction is CONS_1000001; of a decided one, CONS_1000011. */
  private async throwExisting(spId: string, spTransactionId: string, onlyIfExists = false): Promise<void> {
    // An overdue pending one is answered as EXPIRED, as the status route reads it.
    const existing = await this.statuses.findOnPrimary({ spId, spTransactionId });
    if (!existing) {
      if (onlyIfExists) return;
      // The conflicting row vanished between statements: impossible today (rows are never deleted).
      throw new ApiError('CONS_1000001');
    }
    if (isPending(existing.status)) throw new ApiError('CONS_1000001');
    throw new ApiError('CONS_1000011', { spTransactionID: spTransactionId, status: existing.status });
  }
}
