import { Body, Controller, HttpCode, Post, UseInterceptors } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CallingSp } from '../security/authenticated.decorator';
import { IdentifierProbeBudget } from './identifier-probes';
import type { SpProfile } from '../service-providers/sp-directory.service';
import { SendConsentDto, SendConsentResponseDto, TransactionRefDto, TransactionStatusResponseDto } from './dto/send-consent.dto';
import { SpEventsPageDto, SpEventsQueryDto } from './dto/sp-events.dto';
import { SendConsentService } from './send-consent.service';
import { SpEventsService } from './sp-events.service';
import { TransactionStatusService } from './transaction-status.service';
import { ValidateConsentResponseDto } from './dto/consent-responses.dto';

/** The UAE PASS-compatible SP API. Every route needs a token and a request signature. */
@ApiTags('Consent (SP API)')
@Controller('api/v1/consent/transaction')
@Authenticated('sp')
export class ConsentController {
  constructor(
    private readonly sendService: SendConsentService,
    private readonly statusService: TransactionStatusService,
  ) {}

  @Post('send')
  @ApiOperation({ summary: 'Send a consent request to a user (UAE PASS Send Consent Request)' })
  @ApiCreatedResponse({ type: SendConsentResponseDto })
  @UseInterceptors(IdentifierProbeBudget)
  send(@CallingSp() sp: SpProfile, @Body() dto: SendConsentDto) {
    return this.sendService.send(sp, dto);
  }

  @Post('validate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Run every check of send and answer what send would, writing nothing' })
  @UseInterceptors(IdentifierProbeBudget)
  @ApiOkResponse({ type: ValidateConsentResponseDto })
  validate(@CallingSp() sp: SpProfile, @Body() dto: SendConsentDto) {
    return this.sendService.validate(sp, dto);
  }

  @Post('status')
  @HttpCode(200)
  @ApiOkResponse({ type: TransactionStatusResponseDto })
  @ApiOperation({ summary: 'The status of one transaction (UAE PASS Transaction Status)' })
  status(@CallingSp() sp: SpProfile, @Body() dto: TransactionRefDto) {
    return this.statusService.status(sp, dto);
  }

  @Post('cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Withdraw a request the user has not decided yet' })
  @ApiOkResponse({ type: TransactionStatusResponseDto })
  cancel(@CallingSp() sp: SpProfile, @Body() dto: TransactionRefDto) {
    return this.statusService.cancel(sp, dto);
  }
}

/** Beyond UAE PASS: the SP's events after a cursor, signed and authorised like the routes above. */
@ApiTags('Consent (SP API)')
@Controller('api/v1/consent')
@Authenticated('sp')
export class SpEventsController {
  constructor(private readonly events: SpEventsService) {}

  @Post('events')
  @HttpCode(200)
  @ApiOperation({
    summary: "List the SP's callback events after a cursor (event id, transaction ids, status, time, sequence, delivery state)",
  })
  @ApiOkResponse({ type: SpEventsPageDto })
  list(@CallingSp() sp: SpProfile, @Body() dto: SpEventsQueryDto) {
    return this.events.list(sp, dto);
  }
}
