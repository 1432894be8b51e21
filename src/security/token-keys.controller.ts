import { Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from './authenticated.decorator';
import { TokenService } from './token.service';
import { NewTokenKeyDto, RetiredTokenKeysDto, TokenKeyListDto } from './token-responses.dto';

/** Operators rotate the gateway's token signing keys; old keys stay published until retired. */
@ApiTags('Admin: token keys')
@Controller('admin/v1/token-keys')
@Authenticated('admin')
export class TokenKeysController {
  constructor(private readonly tokens: TokenService) {}

  @Get()
  @ApiOperation({ summary: 'Every token signing key (public facts only): which signs, which are published' })
  @ApiOkResponse({ type: TokenKeyListDto })
  list() {
    return this.tokens.listKeys();
  }

  @Post()
  @ApiOperation({ summary: 'Rotate: a new key signs from now on; tokens signed by older keys stay valid' })
  @ApiCreatedResponse({ type: NewTokenKeyDto })
  async rotate() {
    return { kid: await this.tokens.rotate() };
  }

  @Post('retire-expired')
  @HttpCode(200)
  @ApiOperation({ summary: 'Retire older keys that can no longer have a live token' })
  @ApiOkResponse({ type: RetiredTokenKeysDto })
  retireExpired() {
    return this.tokens.retireOldKeys();
  }

  @Delete(':kid')
  @HttpCode(204)
  @ApiOperation({ summary: 'Retire one older key now (compromise): its tokens stop verifying everywhere' })
  @ApiNoContentResponse({ description: 'Retired' })
  retire(@Param('kid') kid: string) {
    return this.tokens.retire(kid);
  }
}
