import { Module } from '@nestjs/common';
import { ServiceProvidersModule } from '../service-providers/service-providers.module';
import { AccessTokenGuard } from './authenticated.decorator';
import { BearerAuthenticator } from './bearer-authenticator';
import { OAuthController } from './oauth.controller';
import { OAuthClientRepository } from './oauth-client.repository';
import { OAuthService } from './oauth.service';
import { RateLimiter } from './rate-limiter';
import { ReplayFallback } from './replay-fallback.service';
import { ReplayRecordRepository } from './replay-record.repository';
import { SpSignatureGuard } from './sp-signature.guard';
import { TokenKeyRepository } from './token-key.repository';
import { TokenKeysController } from './token-keys.controller';
import { TokenService } from './token.service';
import { WellKnownController } from './well-known.controller';

/** Tokens, request signatures and who-may-call-what: a module with `@Authenticated` routes imports this one. */
@Module({
  imports: [ServiceProvidersModule],
  controllers: [OAuthController, TokenKeysController, WellKnownController],
  providers: [
    TokenKeyRepository,
    OAuthClientRepository,
    ReplayRecordRepository,
    ReplayFallback,
    TokenService,
    OAuthService,
    RateLimiter,
    BearerAuthenticator,
    AccessTokenGuard,
    SpSignatureGuard,
  ],
  exports: [ReplayFallback, BearerAuthenticator, TokenService, RateLimiter, AccessTokenGuard, SpSignatureGuard],
})
export class SecurityModule {}
