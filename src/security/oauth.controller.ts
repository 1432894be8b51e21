import { Body, Controller, Get, Headers, HttpCode, Ip, Post, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { OAuthService, TokenRequest } from './oauth.service';
import { JwksDto, TokenErrorDto, TokenRequestDto, TokenResponseDto } from './token-responses.dto';
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
  @ApiBody({ type: TokenRequestDto })
  @ApiOkResponse({ type: TokenResponseDto, headers: { 'Cache-Control': { schema: { type: 'string', enum: ['no-store'] } } } })
  @ApiBadRequestResponse({ type: TokenErrorDto, description: 'RFC 6749 invalid_request, unsupported_grant_type or invalid_scope' })
  @ApiUnauthorizedResponse({ type: TokenErrorDto, description: 'RFC 6749 invalid_client (with WWW-Authenticate: Basic)' })
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
  @ApiOkResponse({ type: JwksDto })
  jwks() {
    return this.tokens.jwks();
  }
}
