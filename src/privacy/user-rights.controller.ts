import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, Caller } from '../security/authenticated.decorator';
import type { Principal } from '../security/token.service';
import { UserRightsService } from './user-rights.service';

/** The user's rights over their data: access (export) and transparency (who received it). */
@ApiTags('App (user)')
@Controller('app/v1/me')
@Authenticated('user')
export class UserRightsController {
  constructor(private readonly rights: UserRightsService) {}

  @Get('export')
  @ApiOperation({ summary: 'My whole consent history as JSON: transactions, documents, events, SPs (identifiers masked)' })
  export(@Caller() user: Principal) {
    return this.rights.export(user.subject);
  }

  @Get('recipients')
  @ApiOperation({ summary: 'Every SP that received a consent from me' })
  recipients(@Caller() user: Principal) {
    return this.rights.recipients(user.subject);
  }
}
