import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { CONSENT_STATUSES, ConsentStatus } from '../../consent/consent-state-machine';

export class DocumentDecisionDto {
  @ApiProperty({ example: 'EMIRATES_ID' }) @IsString() @IsNotEmpty() @MaxLength(256) type: string;
  @ApiProperty() @IsBoolean() accept: boolean;
}

/** Body of POST /app/v1/consents/{id}/decision (media type application/vnd.muwafaqa.consent-decision+json). */
export class ConsentDecisionDto {
  @ApiProperty({ description: 'false rejects the whole request' }) @IsBoolean() accept: boolean;

  @ApiPropertyOptional({ type: [DocumentDecisionDto], description: 'Per-document choices; documents not named follow `accept`.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  // Without it a nested list ([[]]) passes ValidateNested and reaches the service as a TypeError.
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => DocumentDecisionDto)
  documents?: DocumentDecisionDto[];
}

export class ListConsentsQueryDto {
  @ApiPropertyOptional({ enum: CONSENT_STATUSES }) @IsOptional() @IsIn(CONSENT_STATUSES) status?: ConsentStatus;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsString() @MaxLength(300) cursor?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}
