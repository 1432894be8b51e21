import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { ServiceProvidersModule } from '../service-providers/service-providers.module';
import { AccessTokenGuard, SpHeadersGuard } from './authenticated.decorator';
import { BearerStrategy } from './bearer.strategy';
import { OAuthController } from './oauth.controller';
import { OAuthClientRepository } from './oauth-client.repository';
import { OAuthService } from './oauth.service';
import { RateLimiter } from './rate-limiter';
import { ReplayFallback } from './replay-fallback.service';
import { ReplayRecordRepository } from './replay-record.repository';
import { SpSignatureGuard, SpTransportGuard } from './sp-signature.guard';
import { TokenKeyRepository } from './token-key.repository';
import { TokenKeysController } from './token-keys.controller';
import { TokenService } from './token.service';
import { WellKnownController } from './well-known.controller';

/** Tokens, request signatures and who-may-call-what: a module with `@Authenticated` routes imports this one. */
@Module({
  imports: [PassportModule, ServiceProvidersModule],
  controllers: [OAuthController, TokenKeysController, WellKnownController],
  providers: [
    TokenKeyRepository,
    OAuthClientRepository,
    ReplayRecordRepository,
    ReplayFallback,
    TokenService,
    OAuthService,
    RateLimiter,
    BearerStrategy,
    AccessTokenGuard,
    SpHeadersGuard,
    SpSignatureGuard,
    SpTransportGuard,
  ],
  exports: [ReplayFallback, BearerStrategy, TokenService, RateLimiter, AccessTokenGuard, SpHeadersGuard, SpSignatureGuard, SpTransportGuard],
})
export class SecurityModule {}
