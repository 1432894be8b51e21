import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** RFC 6749 §4.4.2 client-credentials request (application/x-www-form-urlencoded). */
export class TokenRequestDto {
  @ApiProperty({ enum: ['client_credentials'] }) grant_type: string;
  @ApiPropertyOptional({
    example: 'urn:uae:digitalid:backend_api:manage_user_consent openid',
    description: 'Space-separated; without it an SP gets its consent scope and `openid`, an admin client `muwafaqa:admin`',
  })
  scope?: string;
  @ApiPropertyOptional({ description: 'client_secret_post; otherwise authenticate with HTTP Basic (client_secret_basic)' }) client_id?: string;
  @ApiPropertyOptional({ description: 'client_secret_post only' }) client_secret?: string;
}

/** RFC 6749 §5.1 successful token response. */
export class TokenResponseDto {
  @ApiProperty({ description: 'JWT (ES256, typ at+jwt, audience muwafaqa); send as X-UP-AccessToken or Authorization: Bearer' }) access_token: string;
  @ApiPropertyOptional({
    description: 'Only when `openid` was granted: JWT (ES256, typ JWT, audience = client id); send as Authorization: Bearer beside X-UP-AccessToken',
  })
  id_token?: string;
  @ApiProperty({ enum: ['Bearer'], description: 'Case-insensitive, as RFC 6749 says' }) token_type: string;
  @ApiProperty({ example: 'urn:uae:digitalid:backend_api:manage_user_consent openid' }) scope: string;
  @ApiProperty({ example: 3600 }) expires_in: number;
}

/** RFC 6749 §5.2 error fields, beside the gateway's `{code, desc}`. */
export class TokenErrorDto {
  @ApiProperty({ enum: ['invalid_request', 'invalid_client', 'invalid_grant', 'unsupported_grant_type', 'invalid_scope'] }) error: string;
  @ApiProperty({ description: 'English text of desc' }) error_description: string;
  @ApiProperty({ example: 'OAUTH_1000001' }) code: string;
  @ApiProperty({ type: 'object', properties: { ar: { type: 'string' }, en: { type: 'string' } }, required: ['ar', 'en'] }) desc: { ar: string; en: string };
}

export class JwkDto {
  @ApiProperty({ example: 'EC' }) kty: string;
  @ApiProperty({ example: 'P-256' }) crv: string;
  @ApiProperty() x: string;
  @ApiProperty() y: string;
  @ApiProperty() kid: string;
  @ApiProperty({ example: 'ES256' }) alg: string;
  @ApiProperty({ example: 'sig' }) use: string;
}

export class JwksDto {
  @ApiProperty({ type: [JwkDto] }) keys: JwkDto[];
}

export class TokenKeyDto {
  @ApiProperty() kid: string;
  @ApiProperty({ example: 'ES256' }) alg: string;
  @ApiProperty({ type: 'string', format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) retiredAt: string | null;
  @ApiProperty({ description: 'In the JWKS' }) published: boolean;
  @ApiProperty({ description: 'Signs new tokens' }) signing: boolean;
}

export class TokenKeyListDto {
  @ApiProperty({ type: [TokenKeyDto] }) items: TokenKeyDto[];
}

export class NewTokenKeyDto {
  @ApiProperty() kid: string;
}

export class RetiredTokenKeysDto {
  @ApiProperty({ type: [String] }) retired: string[];
}
