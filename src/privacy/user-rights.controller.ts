import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, Caller } from '../security/authenticated.decorator';
import type { Principal } from '../security/token.service';
import { UserRightsService } from './user-rights.service';
import { RecipientListDto, UserExportDto } from '../app-api/dto/app-responses.dto';

/** The user's rights over their data: access (export) and transparency (who received it). */
@ApiTags('App (user)')
@Controller('app/v1/me')
@Authenticated('user')
export class UserRightsController {
  constructor(private readonly rights: UserRightsService) {}

  @Get('export')
  @ApiOperation({ summary: 'My whole consent history as JSON: transactions, documents, events, SPs (identifiers masked)' })
  @ApiOkResponse({ type: UserExportDto })
  export(@Caller() user: Principal) {
    return this.rights.export(user.subject);
  }

  @Get('recipients')
  @ApiOperation({ summary: 'Every SP that received a consent from me' })
  @ApiOkResponse({ type: RecipientListDto })
  recipients(@Caller() user: Principal) {
    return this.rights.recipients(user.subject);
  }
}
