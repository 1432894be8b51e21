import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiConsumes, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DECISION_MEDIA_TYPE } from '../common/media-types';
import { DecisionService } from '../consent/decision.service';
import { ReceiptService } from '../consent/receipt.service';
import { StandingConsentService } from '../consent/standing-consent.service';
import { DeviceRegistry } from '../notifications/device-registry.service';
import { Authenticated, Caller } from '../security/authenticated.decorator';
import type { Principal } from '../security/token.service';
import { AppConsentsService } from './app-consents.service';
import { DecisionMediaTypeGuard } from './decision-media-type.guard';
import { ConsentDecisionDto, ListConsentsQueryDto } from './dto/app-consent.dto';
import { RegisterDeviceDto } from './dto/device.dto';
import { ConsentReceiptResponseDto } from '../consent/dto/consent-responses.dto';
import {
  AppConsentDetailDto,
  AppConsentHistoryDto,
  AppConsentPageDto,
  DecisionResultDto,
  RegisteredDeviceDto,
  RegisteredDeviceListDto,
  RevokeResultDto,
  StandingConsentListDto,
  StandingConsentRevokeResultDto,
} from './dto/app-responses.dto';

/** The user's side: their consent requests. A user sees only their own. */
@ApiTags('App (user)')
@Controller('app/v1/consents')
@Authenticated('user')
export class AppConsentsController {
  constructor(
    private readonly consents: AppConsentsService,
    private readonly decisions: DecisionService,
    private readonly receipts: ReceiptService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List my requests: pending first, then newest; filter by status; paged by nextCursor' })
  @ApiOkResponse({ type: AppConsentPageDto })
  list(@Caller() user: Principal, @Query() query: ListConsentsQueryDto) {
    return this.consents.list(user.subject, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One request in English and Arabic: requesting party, purpose, documents, expiry' })
  @ApiOkResponse({ type: AppConsentDetailDto })
  get(@Caller() user: Principal, @Param('id') id: string) {
    return this.consents.get(user.subject, id);
  }

  @Get(':id/history')
  @ApiOperation({ summary: 'The status history (event log) of one request' })
  @ApiOkResponse({ type: AppConsentHistoryDto })
  history(@Caller() user: Principal, @Param('id') id: string) {
    return this.consents.history(user.subject, id);
  }

  @Post(':id/decision')
  @HttpCode(200)
  @UseGuards(DecisionMediaTypeGuard)
  @ApiConsumes(DECISION_MEDIA_TYPE)
  @ApiOperation({ summary: 'Accept or reject, as a whole or per document (rejecting a mustBeAccepted document rejects the request)' })
  @ApiOkResponse({ type: DecisionResultDto })
  decide(@Caller() user: Principal, @Param('id') id: string, @Body() dto: ConsentDecisionDto) {
    return this.decisions.decide(user.subject, id, dto);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke an accepted consent; the SP is called back with REVOKED' })
  @ApiOkResponse({ type: RevokeResultDto })
  revoke(@Caller() user: Principal, @Param('id') id: string) {
    return this.decisions.revoke(user.subject, id);
  }

  @Get(':id/receipt')
  @ApiOperation({ summary: 'The signed receipt (compact JWS) of an accepted consent' })
  @ApiOkResponse({ type: ConsentReceiptResponseDto })
  receipt(@Caller() user: Principal, @Param('id') id: string) {
    return this.receipts.forUser(user.subject, id);
  }
}

/** The user's standing consents (issue 21): who may rely on them, for which documents, until when; revoke any. */
@ApiTags('App (user)')
@Controller('app/v1/standing-consents')
@Authenticated('user')
export class AppStandingConsentsController {
  constructor(private readonly standing: StandingConsentService) {}

  @Get()
  @ApiOperation({ summary: 'List my standing consents (ACTIVE, EXPIRED or REVOKED), newest first' })
  @ApiOkResponse({ type: StandingConsentListDto })
  list(@Caller() user: Principal) {
    return this.standing.list(user.subject);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke a standing consent: no more reuse; the SP is called back with REVOKED for it and every request answered from it' })
  @ApiOkResponse({ type: StandingConsentRevokeResultDto })
  revoke(@Caller() user: Principal, @Param('id') id: string) {
    return this.standing.revoke(user.subject, id);
  }
}

/** The user's devices (push tokens, or an 'sse' id for the reference web app). */
@ApiTags('App (user)')
@Controller('app/v1/devices')
@Authenticated('user')
export class AppDevicesController {
  constructor(private readonly devices: DeviceRegistry) {}

  @Post()
  @ApiOperation({ summary: 'Register a device (push token and platform) to be notified of new requests' })
  @ApiCreatedResponse({ type: RegisteredDeviceDto })
  register(@Caller() user: Principal, @Body() dto: RegisterDeviceDto) {
    return this.devices.register(user.subject, dto);
  }

  @Get()
  @ApiOperation({ summary: 'My registered devices' })
  @ApiOkResponse({ type: RegisteredDeviceListDto })
  list(@Caller() user: Principal) {
    return this.devices.list(user.subject).then((items) => ({ items }));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove one of my devices' })
  @ApiNoContentResponse({ description: 'Removed' })
  unregister(@Caller() user: Principal, @Param('id') id: string) {
    return this.devices.unregister(user.subject, id);
  }
}
