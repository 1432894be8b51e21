import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ADMIN_SCOPE, OPENID_SCOPE, RECEIPT_JWT_TYP, SP_CONSENT_SCOPE, TOKEN_ALG } from './token.service';

/** How an SP request is signed, for a client that reads it from the metadata rather than the docs. */
export class RequestSigningMetadata {
  @ApiProperty({ example: ['X-Timestamp', 'X-UAEPASS-Signature'] })
  headers: string[];
  @ApiProperty({ example: 'HMAC-SHA256', description: 'Keyed with the UTF-8 bytes of the SP signing secret; the signature is base64.' })
  algorithm: string;
  @ApiProperty({ example: '<X-Timestamp>\n<METHOD>\n<path with query>\n<lowercase hex SHA-256 of the raw body>' })
  string_to_sign: string;
  @ApiProperty({ example: 'unix-milliseconds' })
  timestamp_format: string;
  @ApiProperty({ example: 300 })
  window_seconds: number;
}

/** RFC 8414 / OpenID Connect Discovery 1.0 metadata, plus this gateway's SP routes as extension members. */
export class DiscoveryMetadata {
  @ApiProperty({ example: 'https://consent.example.ae' })
  issuer: string;
  @ApiProperty({ example: 'https://consent.example.ae/oauth2/token' })
  token_endpoint: string;
  @ApiProperty({ example: 'https://consent.example.ae/.well-known/jwks.json' })
  jwks_uri: string;
  @ApiProperty({ example: ['client_credentials'] })
  grant_types_supported: string[];
  @ApiProperty({ example: ['client_secret_basic', 'client_secret_post'] })
  token_endpoint_auth_methods_supported: string[];
  @ApiProperty({ example: [SP_CONSENT_SCOPE, OPENID_SCOPE, ADMIN_SCOPE] })
  scopes_supported: string[];
  @ApiProperty({ type: [String], example: [], description: 'Empty: there is no authorization endpoint, only the client-credentials grant.' })
  response_types_supported: string[];
  @ApiProperty({ example: ['public'] })
  subject_types_supported: string[];
  @ApiProperty({ example: [TOKEN_ALG] })
  id_token_signing_alg_values_supported: string[];
  @ApiProperty({ example: 'https://consent.example.ae/docs' })
  service_documentation: string;
  @ApiProperty({ example: 'https://consent.example.ae/docs-json', description: 'Extension: the OpenAPI document.' })
  openapi_uri: string;
  @ApiProperty({ example: 'https://consent.example.ae/api/v1/consent/transaction/send', description: 'Extension: UAE PASS Send Consent Request.' })
  consent_send_endpoint: string;
  @ApiProperty({ example: 'https://consent.example.ae/api/v1/consent/transaction/validate' })
  consent_validate_endpoint: string;
  @ApiProperty({ example: 'https://consent.example.ae/api/v1/consent/transaction/status' })
  consent_status_endpoint: string;
  @ApiProperty({ example: 'https://consent.example.ae/api/v1/consent/transaction/cancel' })
  consent_cancel_endpoint: string;
  @ApiProperty({ example: 'https://consent.example.ae/api/v1/consent/transaction/receipt' })
  consent_receipt_endpoint: string;
  @ApiProperty({ example: RECEIPT_JWT_TYP, description: 'Extension: the JWT `typ` of consent receipts (id_tokens are `JWT`, access tokens `at+jwt`).' })
  consent_receipt_typ: string;
  @ApiProperty({ type: RequestSigningMetadata })
  consent_request_signing: RequestSigningMetadata;
}

/** The one metadata document, served at both well-known paths. */
export function discoveryMetadata(config: Pick<AppConfig, 'publicUrl' | 'signatureWindowSeconds'>): DiscoveryMetadata {
  const base = config.publicUrl.replace(/\/+$/, '');
  const consent = `${base}/api/v1/consent/transaction`;
  return {
    issuer: config.publicUrl,
    token_endpoint: `${base}/oauth2/token`,
    jwks_uri: `${base}/.well-known/jwks.json`,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    scopes_supported: [SP_CONSENT_SCOPE, OPENID_SCOPE, ADMIN_SCOPE],
    response_types_supported: [],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [TOKEN_ALG],
    service_documentation: `${base}/docs`,
    openapi_uri: `${base}/docs-json`,
    consent_send_endpoint: `${consent}/send`,
    consent_validate_endpoint: `${consent}/validate`,
    consent_status_endpoint: `${consent}/status`,
    consent_cancel_endpoint: `${consent}/cancel`,
    consent_receipt_endpoint: `${consent}/receipt`,
    consent_receipt_typ: RECEIPT_JWT_TYP,
    consent_request_signing: {
      headers: ['X-Timestamp', 'X-UAEPASS-Signature'],
      algorithm: 'HMAC-SHA256',
      string_to_sign: '<X-Timestamp>\n<METHOD>\n<path with query>\n<lowercase hex SHA-256 of the raw body>',
      timestamp_format: 'unix-milliseconds',
      window_seconds: config.signatureWindowSeconds,
    },
  };
}

/** Discovery for standard OAuth 2.0 / OpenID Connect clients (openid-client, oauth4webapi, Spring, MSAL…). */
@ApiTags('OAuth2')
@Controller('.well-known')
export class WellKnownController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Get('openid-configuration')
  @ApiOperation({ summary: 'OpenID Connect discovery metadata', operationId: 'openidConfiguration' })
  @ApiOkResponse({ type: DiscoveryMetadata })
  openidConfiguration(): DiscoveryMetadata {
    return discoveryMetadata(this.config);
  }

  @Get('oauth-authorization-server')
  @ApiOperation({ summary: 'OAuth 2.0 authorization server metadata (RFC 8414)', operationId: 'oauthAuthorizationServer' })
  @ApiOkResponse({ type: DiscoveryMetadata })
  oauthAuthorizationServer(): DiscoveryMetadata {
    return discoveryMetadata(this.config);
  }
}
