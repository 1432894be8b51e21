import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CONSENT_STATUSES } from '../../consent/consent-state-machine';
import { ConsentStatementDto } from '../../consent/dto/send-consent.dto';

export class BilingualNameDto {
  @ApiProperty({ type: 'string', nullable: true }) name: string | null;
  @ApiProperty({ type: 'string', nullable: true }) nameAr: string | null;
}

export class AppConsentSummaryDto {
  @ApiProperty({ format: 'uuid' }) uaePassTransactionID: string;
  @ApiProperty() spTransactionID: string;
  @ApiProperty({ enum: CONSENT_STATUSES }) status: string;
  @ApiProperty({ enum: ['spToSp', 'peerToPeer'] }) requestType: string;
  @ApiProperty({ type: BilingualNameDto }) dataOwner: BilingualNameDto;
  @ApiProperty({ type: BilingualNameDto }) requestingParty: BilingualNameDto;
  @ApiProperty({ type: 'string', nullable: true }) purpose: string | null;
  @ApiProperty({ type: 'string', nullable: true }) purposeAr: string | null;
  @ApiProperty({ type: 'string', format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: 'string', format: 'date-time' }) expiresAt: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) decidedAt: string | null;
}

export class AppConsentPageDto {
  @ApiProperty({ type: [AppConsentSummaryDto] }) items: AppConsentSummaryDto[];
  @ApiProperty({ type: 'string', nullable: true, description: 'Pass as cursor for the next page; null on the last page' }) nextCursor: string | null;
}

export class AppDocumentMetadataDto {
  @ApiProperty() displayName: string;
  @ApiProperty() displayNameAr: string;
}

export class AppConsentDocumentDto {
  @ApiProperty() name: string;
  @ApiProperty() nameAr: string;
  @ApiProperty() type: string;
  @ApiProperty() typeAr: string;
  @ApiProperty({ type: [AppDocumentMetadataDto] }) metadata: AppDocumentMetadataDto[];
  @ApiProperty() mustBeAccepted: boolean;
  @ApiProperty({ type: 'boolean', nullable: true, description: 'null until decided' }) accepted: boolean | null;
}

export class AppConsentDetailDto extends AppConsentSummaryDto {
  @ApiProperty({ type: [AppConsentDocumentDto] }) documents: AppConsentDocumentDto[];
  @ApiProperty() hasReceipt: boolean;
  @ApiPropertyOptional({ type: ConsentStatementDto, description: 'Only when the SP sent one: show it before the decision' }) consent?: ConsentStatementDto;
  @ApiPropertyOptional({ type: 'string', format: 'date-time', description: 'Only when the request asks for a standing consent lasting until then' })
  validUntil?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'Only when the request was answered from this standing consent' }) standingConsentId?: string;
}

export class AppConsentEventDto {
  @ApiProperty({ enum: CONSENT_STATUSES, nullable: true }) from: string | null;
  @ApiProperty({ enum: CONSENT_STATUSES }) to: string;
  @ApiProperty({ example: 'user' }) actor: string;
  @ApiProperty({ type: 'string', format: 'date-time' }) at: string;
}

export class AppConsentHistoryDto {
  @ApiProperty({ format: 'uuid' }) uaePassTransactionID: string;
  @ApiProperty({ type: [AppConsentEventDto] }) items: AppConsentEventDto[];
}

export class DocumentOutcomeDto {
  @ApiProperty() type: string;
  @ApiProperty() accepted: boolean;
}

export class DecisionResultDto {
  @ApiProperty({ format: 'uuid' }) uaePassTransactionID: string;
  @ApiProperty() spTransactionID: string;
  @ApiProperty({ enum: CONSENT_STATUSES }) status: string;
  @ApiProperty({ type: [DocumentOutcomeDto] }) documents: DocumentOutcomeDto[];
  @ApiProperty({ type: 'string', nullable: true, description: 'Compact JWS receipt when accepted' }) receipt: string | null;
}

export class RevokeResultDto {
  @ApiProperty({ format: 'uuid' }) uaePassTransactionID: string;
  @ApiProperty() spTransactionID: string;
  @ApiProperty({ enum: ['REVOKED'] }) status: string;
}

export class RegisteredDeviceDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty({ enum: ['fcm', 'apns', 'webpush', 'sse'] }) platform: string;
  @ApiProperty() pushToken: string;
  @ApiProperty({ enum: ['en', 'ar'] }) locale: string;
  @ApiProperty({ type: 'string', format: 'date-time' }) createdAt: string;
}

export class RegisteredDeviceListDto {
  @ApiProperty({ type: [RegisteredDeviceDto] }) items: RegisteredDeviceDto[];
}

export class UserExportDto {
  @ApiProperty({ type: 'string', format: 'date-time' }) exportedAt: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Profile with identifiers masked' }) user: Record<string, unknown>;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true }, description: 'Transactions with documents and events' })
  transactions: Record<string, unknown>[];
  @ApiPropertyOptional({ type: 'array', items: { type: 'object', additionalProperties: true } }) serviceProviders?: Record<string, unknown>[];
}

export class RecipientDto {
  @ApiProperty() spId: string;
  @ApiProperty() name: string;
  @ApiProperty() nameAr: string;
  @ApiProperty() asRequester: number;
  @ApiProperty() asDataOwner: number;
  @ApiProperty() active: number;
  @ApiProperty({ type: 'string', format: 'date-time' }) firstConsentAt: string;
  @ApiProperty({ type: 'string', format: 'date-time' }) lastConsentAt: string;
}

export class RecipientListDto {
  @ApiProperty({ type: [RecipientDto] }) items: RecipientDto[];
}

export class StandingDocumentDto {
  @ApiProperty() type: string;
  @ApiProperty() name: string;
  @ApiProperty() nameAr: string;
}

export class StandingConsentDto {
  @ApiProperty({ format: 'uuid', description: 'The id of the accepted request that granted it' }) id: string;
  @ApiProperty({ format: 'uuid' }) uaePassTransactionID: string;
  @ApiProperty() spTransactionID: string;
  @ApiProperty({ enum: ['ACTIVE', 'EXPIRED', 'REVOKED'] }) status: string;
  @ApiProperty({ enum: ['spToSp', 'peerToPeer'] }) requestType: string;
  @ApiProperty({ type: BilingualNameDto }) dataOwner: BilingualNameDto;
  @ApiProperty({ type: BilingualNameDto }) requestingParty: BilingualNameDto;
  @ApiProperty({ type: 'string', nullable: true }) purpose: string | null;
  @ApiProperty({ type: 'string', nullable: true }) purposeAr: string | null;
  @ApiPropertyOptional({ type: ConsentStatementDto }) consent?: ConsentStatementDto;
  @ApiProperty({ type: [StandingDocumentDto], description: 'The documents it covers (those the user accepted)' }) documents: StandingDocumentDto[];
  @ApiProperty({ type: 'string', format: 'date-time' }) validUntil: string;
  @ApiProperty({ type: 'string', format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) revokedAt: string | null;
  @ApiProperty({ description: 'Requests answered from it without asking' }) timesRelied: number;
}

export class StandingConsentListDto {
  @ApiProperty({ type: [StandingConsentDto] }) items: StandingConsentDto[];
}

export class StandingConsentRevokeResultDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['REVOKED'] }) status: string;
  @ApiProperty({ type: [String], description: 'The granting request and every request answered from it, now REVOKED (the SP is called back for each)' })
  revokedTransactions: string[];
}
