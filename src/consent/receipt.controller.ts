import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CallingSp } from '../security/authenticated.decorator';
import type { SpProfile } from '../service-providers/sp-directory.service';
import { TransactionRefDto } from './dto/send-consent.dto';
import { ReceiptService } from './receipt.service';
import { ConsentReceiptResponseDto } from './dto/consent-responses.dto';

/** Muwafaqa extension to the SP API: the signed receipt of an accepted consent. */
@ApiTags('Consent (SP API)')
@Controller('api/v1/consent/transaction')
@Authenticated('sp')
export class ReceiptController {
  constructor(private readonly receipts: ReceiptService) {}

  @Post('receipt')
  @HttpCode(200)
  @ApiOperation({ summary: 'The signed consent receipt (compact JWS, verify with /.well-known/jwks.json)' })
  @ApiOkResponse({ type: ConsentReceiptResponseDto })
  receipt(@CallingSp() sp: SpProfile, @Body() dto: TransactionRefDto) {
    return this.receipts.forSp(sp, dto.spId, dto.spTransactionID);
  }
}
