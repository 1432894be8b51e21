import { ApiProperty } from '@nestjs/swagger';
import { ServiceProviderViewDto, TransactionSummaryDto } from '../ops-dto';

export class CreatedUserDto {
  @ApiProperty({ format: 'uuid' }) id: string;
}

export class UserTokenDto {
  @ApiProperty({ description: 'A user access token (JWT, typ at+jwt) for the /app/v1 routes' }) access_token: string;
  @ApiProperty({ enum: ['Bearer'] }) token_type: string;
  @ApiProperty({ example: 3600 }) expires_in: number;
}

export class SigningSecretDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: 'string', format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) revokedAt: string | null;
  @ApiProperty() active: boolean;
}

export class SigningSecretListDto {
  @ApiProperty({ type: [SigningSecretDto] }) items: SigningSecretDto[];
}

export class NewSigningSecretDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'Shown once; stored encrypted' }) signingSecret: string;
}

export class ServiceProviderPageDto {
  @ApiProperty({ type: [ServiceProviderViewDto] }) items: ServiceProviderViewDto[];
  @ApiProperty({ type: 'string', nullable: true, description: 'Pass as cursor for the next page; null on the last page' }) nextCursor: string | null;
}

export class TransactionDetailDto extends TransactionSummaryDto {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'User id and masked identifier' }) user: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) requestor: Record<string, unknown> | null;
  @ApiProperty() hasReceipt: boolean;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } }) documents: Record<string, unknown>[];
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true }, description: 'Event log: actor, time, from, to' })
  events: Record<string, unknown>[];
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } }) notificationAttempts: Record<string, unknown>[];
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } }) callbackAttempts: Record<string, unknown>[];
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } }) outbox: Record<string, unknown>[];
}
