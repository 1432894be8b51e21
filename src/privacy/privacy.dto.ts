import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsNotEmpty, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

/** GET /admin/v1/privacy/access-log: newest first, paged by the record id. */
export class AccessLogQuery {
  @ApiPropertyOptional({ example: 'admin:ops-console' }) @IsOptional() @IsString() @IsNotEmpty() @MaxLength(200) actor?: string;
  @ApiPropertyOptional({ enum: ['transaction', 'user'] }) @IsOptional() @IsIn(['transaction', 'user']) subjectType?: 'transaction' | 'user';
  @ApiPropertyOptional({ description: 'The transaction or user profile id read' }) @IsOptional() @IsString() @IsNotEmpty() @MaxLength(128) subjectId?: string;
  @ApiPropertyOptional({ description: 'At or after (ISO 8601)' }) @IsOptional() @IsISO8601({ strict: true }) from?: string;
  @ApiPropertyOptional({ description: 'Before (ISO 8601)' }) @IsOptional() @IsISO8601({ strict: true }) to?: string;
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 200 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsString() @Matches(/^\d{1,19}$/) cursor?: string;
}

/** GET /admin/v1/privacy/retention/preview */
export class RetentionPreviewQuery {
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
}
