import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsISO8601, IsNotEmpty, IsOptional, IsString, IsUrl, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { CONSENT_STATUSES, ConsentStatus } from '../consent/consent-state-machine';

/** GET /admin/v1/transactions: every filter optional, newest first, keyset-paged. */
export class SearchTransactionsQuery {
  @ApiPropertyOptional({ enum: CONSENT_STATUSES }) @IsOptional() @IsIn(CONSENT_STATUSES) status?: ConsentStatus;
  @ApiPropertyOptional({ example: 'owner_sp_client_id' }) @IsOptional() @IsString() @IsNotEmpty() @MaxLength(128) spId?: string;
  @ApiPropertyOptional({ example: 'm9mhsb1iy0rqeru53e' }) @IsOptional() @IsString() @IsNotEmpty() @MaxLength(256) spTransactionID?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() uaePassTransactionID?: string;
  @ApiPropertyOptional({ description: 'Created at or after (ISO 8601)', example: '2025-11-24T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;
  @ApiPropertyOptional({ description: 'Created before (ISO 8601)', example: '2025-11-25T00:00:00Z' }) @IsOptional() @IsISO8601({ strict: true }) to?: string;
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 200 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsString() @MaxLength(512) cursor?: string;
}

/** GET /admin/v1/transactions/counts */
export class CountTransactionsQuery {
  @ApiPropertyOptional({ description: 'Created at or after (ISO 8601); default 24 hours ago' }) @IsOptional() @IsISO8601({ strict: true }) from?: string;
  @ApiPropertyOptional({ description: 'Created before (ISO 8601); default now' }) @IsOptional() @IsISO8601({ strict: true }) to?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() @MaxLength(128) spId?: string;
}

export class ListServiceProvidersQuery {
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 200 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsString() @MaxLength(512) cursor?: string;
}

/** PATCH /admin/v1/service-providers/{clientId}: only the fields sent change; `null` clears an optional one. */
export class UpdateServiceProviderDto {
  @ApiPropertyOptional({ example: 'Dubai Municipality' }) @IsOptional() @IsString() @IsNotEmpty() @MaxLength(256) name?: string;
  @ApiPropertyOptional({ example: 'بلدية دبي' }) @IsOptional() @IsString() @IsNotEmpty() @MaxLength(256) nameAr?: string;
  @ApiPropertyOptional({ type: 'string', nullable: true, example: 'https://sp.example/api/v1/consent/transaction/callback' })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  @MaxLength(2048)
  callbackUrl?: string | null;
  @ApiPropertyOptional({ type: 'string', nullable: true, description: 'Sent back as X-API-Key on every callback; stored encrypted, never shown' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  callbackApiKey?: string | null;
  @ApiPropertyOptional({ type: 'integer', nullable: true, example: 600, description: 'null: the gateway default (CONSENT_TTL_SECONDS)' })
  @IsOptional()
  @IsInt()
  @Min(10)
  @Max(30 * 86400)
  consentTtlSeconds?: number | null;
  @ApiPropertyOptional({ nullable: true, example: 365, description: 'null: the gateway default (STANDING_CONSENT_MAX_DAYS)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  standingConsentMaxDays?: number | null;
  @ApiPropertyOptional({ description: 'A disabled SP cannot get tokens answered or send requests' }) @IsOptional() @IsBoolean() disabled?: boolean;
}

export class TransactionSummaryDto {
  @ApiProperty({ format: 'uuid' }) uaePassTransactionID: string;
  @ApiProperty() spId: string;
  @ApiProperty() spTransactionID: string;
  @ApiProperty({ enum: CONSENT_STATUSES }) status: ConsentStatus;
  @ApiProperty({ enum: ['spToSp', 'peerToPeer'] }) requestType: string;
  @ApiProperty() idDocType: string;
  @ApiPropertyOptional({ type: 'string', nullable: true }) requestedById: string | null;
  @ApiPropertyOptional({ type: 'string', nullable: true }) purpose: string | null;
  @ApiPropertyOptional({ type: 'string', nullable: true }) purposeAr: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
  @ApiProperty() expiresAt: string;
  @ApiPropertyOptional({ type: 'string', format: 'date-time', nullable: true }) decidedAt: string | null;
}

export class TransactionPageDto {
  @ApiProperty({ type: [TransactionSummaryDto] }) items: TransactionSummaryDto[];
  @ApiPropertyOptional({ type: 'string', nullable: true, description: 'Pass as cursor for the next page; null on the last page' }) nextCursor: string | null;
}

export class ServiceProviderViewDto {
  @ApiProperty() clientId: string;
  @ApiProperty() name: string;
  @ApiProperty() nameAr: string;
  @ApiPropertyOptional({ type: 'string', nullable: true }) callbackUrl: string | null;
  @ApiProperty({ description: 'The key itself is never shown' }) hasCallbackApiKey: boolean;
  @ApiPropertyOptional({ type: 'integer', nullable: true }) consentTtlSeconds: number | null;
  @ApiProperty() effectiveConsentTtlSeconds: number;
  @ApiPropertyOptional({ nullable: true }) standingConsentMaxDays: number | null;
  @ApiProperty() effectiveStandingConsentMaxDays: number;
  @ApiProperty() disabled: boolean;
  @ApiProperty() activeSigningSecrets: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class StatusCountsDto {
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiPropertyOptional({ type: 'string', nullable: true }) spId: string | null;
  @ApiProperty({ example: { TRIGGERED: 3, ACCEPTED: 10, REJECTED: 1, INIT_FAILED: 0, EXPIRED: 2, CANCELLED: 0, REVOKED: 0 } }) counts: Record<
    ConsentStatus,
    number
  >;
  @ApiProperty() total: number;
}
