import { ApiProperty } from '@nestjs/swagger';
import { CONSENT_STATUSES } from '../consent-state-machine';

/** What validate answers: send's answer without an id, since nothing was written. */
export class ValidateConsentResponseDto {
  @ApiProperty({ enum: [true] }) valid: true;
  @ApiProperty({ type: 'string', nullable: true, enum: [null], description: 'Always null: nothing was written' }) uaePassTransactionID: null;
  @ApiProperty({ enum: ['TRIGGERED'] }) transactionStatus: 'TRIGGERED';
  @ApiProperty({ example: 'm9mhsb1iy0rqeru53e' }) spTransactionID: string;
}

/** A signed consent receipt (Muwafaqa extension). */
export class ConsentReceiptResponseDto {
  @ApiProperty({ format: 'uuid' }) uaePassTransactionID: string;
  @ApiProperty({ example: 'm9mhsb1iy0rqeru53e' }) spTransactionID: string;
  @ApiProperty({ enum: CONSENT_STATUSES }) status: string;
  @ApiProperty({ description: 'Compact JWS (ES256, header typ `muwafaqa-receipt+jwt`), audience = the data owner SP’s client id' }) receipt: string;
  @ApiProperty({ format: 'uri', example: 'https://consent.example.ae/.well-known/jwks.json' }) jwksUri: string;
}

/** The body Muwafaqa POSTs to the SP's callback URL (UAE PASS callback). */
export class ConsentCallbackDto {
  @ApiProperty({ example: 'm9mhsb1iy0rqeru53e' }) spTransactionID: string;
  @ApiProperty({ enum: ['ACCEPTED', 'REJECTED', 'EXPIRED', 'INIT_FAILED', 'REVOKED'] }) status: string;
  @ApiProperty({ format: 'uuid' }) uaePassTransactionID: string;
}
