import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  Allow,
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { ID_DOC_TYPES, IdDocType } from '../../users/id-doc-types';
import { STATEMENT_MAX, TERMS_URL_MAX } from '../consent-terms';

export const REQUEST_TYPES = ['spToSp', 'peerToPeer'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

const NAME = 256;
const TEXT = 1000;

export class DocumentMetadataDto {
  @ApiProperty({ example: 'Full name' }) @IsString() @IsNotEmpty() @MaxLength(NAME) displayName: string;
  @ApiProperty({ example: 'الاسم الكامل' }) @IsString() @IsNotEmpty() @MaxLength(NAME) displayNameAr: string;
}

export class ConsentDocumentDto {
  @ApiProperty({ example: 'Emirates ID' }) @IsString() @IsNotEmpty() @MaxLength(NAME) name: string;
  @ApiProperty({ example: 'الهوية الإماراتية' }) @IsString() @IsNotEmpty() @MaxLength(NAME) nameAr: string;
  @ApiProperty({ example: 'EMIRATES_ID' }) @IsString() @IsNotEmpty() @MaxLength(NAME) type: string;
  @ApiProperty({ example: 'الهوية' }) @IsString() @IsNotEmpty() @MaxLength(NAME) typeAr: string;
  @ApiProperty({ type: [DocumentMetadataDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  // Without it a nested list ([[]]) passes ValidateNested and reaches the service.
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => DocumentMetadataDto)
  metadata: DocumentMetadataDto[];
  @ApiPropertyOptional({ description: 'Muwafaqa extension: rejecting this document rejects the whole request. Absent means false.' })
  @IsOptional()
  @IsBoolean()
  mustBeAccepted?: boolean;
}

export class ConsentContentDto {
  @ApiProperty({ type: [ConsentDocumentDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => ConsentDocumentDto)
  documents: ConsentDocumentDto[];
}

export class RequestorDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() @MaxLength(NAME) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() @MaxLength(NAME) nameAr?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() @MaxLength(64) identifier?: string;
  @ApiPropertyOptional({ enum: ID_DOC_TYPES }) @IsOptional() @IsIn(ID_DOC_TYPES) idType?: IdDocType;
  @ApiPropertyOptional({ description: 'Kept encrypted; never shown on screen.' }) @IsOptional() @IsObject() additionalInfo?: Record<string, unknown>;
}

/** Muwafaqa extension (issue 21): the statement the user agrees to, in both languages, and the terms it links. */
export class ConsentStatementDto {
  @ApiProperty({ maxLength: STATEMENT_MAX, example: 'I agree that Emirates Bank may read my Emirates ID to open my account.' }) statement: string;
  @ApiProperty({ maxLength: STATEMENT_MAX, example: 'أوافق على أن يطلع بنك الإمارات على هويتي الإماراتية لفتح حسابي.' }) statementAr: string;
  @ApiPropertyOptional({ maxLength: TERMS_URL_MAX, format: 'uri', example: 'https://bank.example/privacy', description: 'https only' }) termsUrl?: string;
}

/** The UAE PASS Send Consent Request body (seed 004), field for field. */
export class SendConsentDto {
  @ApiProperty({ example: '784-1990-1234567-6', description: 'Emirates ID or passport number, per idDocType' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  identifier: string;

  @ApiProperty({ enum: ID_DOC_TYPES }) @IsIn(ID_DOC_TYPES) idDocType: IdDocType;

  @ApiPropertyOptional({ description: 'Client id of the requesting SP: mandatory for spToSp, not applicable for peerToPeer' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  requestedById?: string;

  @ApiProperty({ example: 'owner_sp_client_id' }) @IsString() @IsNotEmpty() @MaxLength(128) spId: string;
  @ApiProperty({ example: 'm9mhsb1iy0rqeru53e' }) @IsString() @IsNotEmpty() @MaxLength(128) spTransactionID: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(TEXT) purpose?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(TEXT) purposeAr?: string;
  @ApiPropertyOptional({ enum: REQUEST_TYPES, description: 'Absent means spToSp' }) @IsOptional() @IsIn(REQUEST_TYPES) requestType?: RequestType;

  @ApiPropertyOptional({ type: RequestorDto, description: 'Mandatory for peerToPeer' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RequestorDto)
  requestor?: RequestorDto;

  @ApiProperty({ type: ConsentContentDto })
  @IsObject()
  @ValidateNested()
  @Type(() => ConsentContentDto)
  content: ConsentContentDto;

  // Checked by checkConsentTerms (consent-terms.ts), which answers each rule with its own code.
  @ApiPropertyOptional({ type: ConsentStatementDto, description: 'Muwafaqa extension: shown to the user and bound (SHA-256) in the receipt' })
  @Allow()
  consent?: ConsentStatementDto;

  @ApiPropertyOptional({
    format: 'date-time',
    example: '2027-06-30T23:59:59Z',
    description:
      "Muwafaqa extension: asks for a standing consent until then (at most the SP's standingConsentMaxDays). Once accepted, a later send for the same user, recipient and a subset of the documents is answered ACCEPTED at once, without asking.",
  })
  @Allow()
  validUntil?: string;
}

export class TransactionRefDto {
  @ApiProperty({ example: 'm9mhsb1iy0rqeru53e' }) @IsString() @IsNotEmpty() @MaxLength(128) spTransactionID: string;
  @ApiProperty({ example: 'owner_sp_client_id' }) @IsString() @IsNotEmpty() @MaxLength(128) spId: string;
}

export class SendConsentResponseDto {
  @ApiProperty({ format: 'uuid' }) uaePassTransactionID: string;
  @ApiProperty({ enum: ['TRIGGERED', 'ACCEPTED'], example: 'TRIGGERED', description: 'ACCEPTED only when a standing consent of the user answered at once' })
  transactionStatus: 'TRIGGERED' | 'ACCEPTED';
  @ApiProperty() spTransactionID: string;
}

export class TransactionStatusResponseDto {
  @ApiProperty({ format: 'uuid' }) uaePassTransactionID: string;
  @ApiProperty() spTransactionID: string;
  @ApiProperty({ enum: ['TRIGGERED', 'ACCEPTED', 'REJECTED', 'INIT_FAILED', 'EXPIRED', 'CANCELLED', 'REVOKED'] }) status: string;
}
