import { Body, Controller, Get, Headers, HttpCode, Ip, Post, Res } from '@nestjs/common';
import { ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { OAuthService, TokenRequest } from './oauth.service';
import { TokenService } from './token.service';

@ApiTags('OAuth2')
@Controller()
export class OAuthController {
  constructor(
    private readonly oauth: OAuthService,
    private readonly tokens: TokenService,
  ) {}

  @Post('oauth2/token')
  @HttpCode(200)
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiOperation({ summary: 'Client-credentials grant (RFC 6749 §4.4); client by HTTP Basic or form fields' })
  @ApiOkResponse({
    schema: {
      example: {
        access_token: 'eyJ…',
        id_token: 'eyJ…',
        token_type: 'Bearer',
        scope: 'urn:uae:digitalid:backend_api:manage_user_consent openid',
        expires_in: 3600,
      },
    },
  })
  async token(
    @Body() body: TokenRequest,
    @Headers('authorization') authorization: string | undefined,
    @Ip() source: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    void reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    return this.oauth.token(body ?? {}, authorization, source);
  }

  @Get('.well-known/jwks.json')
  @ApiOperation({ summary: 'Public keys of the gateway’s tokens and consent receipts' })
  jwks() {
    return this.tokens.jwks();
  }
}
