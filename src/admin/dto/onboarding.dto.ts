import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { ID_DOC_TYPES, IdDocType } from '../../users/id-doc-types';

export class CreateServiceProviderDto {
  @ApiProperty({ example: 'owner_sp_client_id' })
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{3,128}$/)
  clientId: string;
  @ApiProperty({ example: 'Dubai Municipality' }) @IsString() @IsNotEmpty() @MaxLength(256) name: string;
  @ApiProperty({ example: 'بلدية دبي' }) @IsString() @IsNotEmpty() @MaxLength(256) nameAr: string;
  @ApiPropertyOptional({ example: 'https://sp.example/api/v1/consent/transaction/callback' })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  @MaxLength(2048)
  callbackUrl?: string;
  @ApiPropertyOptional({ description: 'Sent back as X-API-Key on every callback' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  callbackApiKey?: string;
  @ApiPropertyOptional({ type: 'integer', example: 600, description: 'How long a request waits for the user (default CONSENT_TTL_SECONDS)' })
  @IsOptional()
  @IsInt()
  @Min(10)
  @Max(30 * 86400)
  consentTtlSeconds?: number;
  @ApiPropertyOptional({ example: 365, description: 'How long a standing consent (validUntil) may last, in days (default STANDING_CONSENT_MAX_DAYS)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  standingConsentMaxDays?: number;
}

export class ServiceProviderCredentialsDto {
  @ApiProperty() clientId: string;
  @ApiProperty({ description: 'Shown once; stored hashed' }) clientSecret: string;
  @ApiProperty({ description: 'Shown once; stored encrypted' }) signingSecret: string;
}

export class IdentityDocumentDto {
  @ApiProperty({ enum: ID_DOC_TYPES }) @IsIn(ID_DOC_TYPES) idDocType: IdDocType;
  @ApiProperty({ example: '784-1990-1234567-6' }) @IsString() @IsNotEmpty() @MaxLength(64) identifier: string;
}

export class CreateUserDto {
  @ApiProperty({ example: 'Fatima Al Mansoori' }) @IsString() @IsNotEmpty() @MaxLength(256) name: string;
  @ApiProperty({ example: 'فاطمة المنصوري' }) @IsString() @IsNotEmpty() @MaxLength(256) nameAr: string;
  @ApiProperty() @IsBoolean() verified: boolean;
  @ApiProperty({ type: [IdentityDocumentDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  // Without it a nested list ([[]]) passes ValidateNested and reaches the service as a TypeError.
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => IdentityDocumentDto)
  documents: IdentityDocumentDto[];
}
