import { Global, Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { SpDirectory } from '../service-providers/sp-directory.service';
import { AccessTokenGuard, SpHeadersGuard } from './authenticated.decorator';
import { BearerStrategy } from './bearer.strategy';
import { OAuthController } from './oauth.controller';
import { OAuthService } from './oauth.service';
import { RateLimiter } from './rate-limiter';
import { ReplayFallback } from './replay-fallback.service';
import { SpSignatureGuard, SpTransportGuard } from './sp-signature.guard';
import { TokenKeysController } from './token-keys.controller';
import { TokenService } from './token.service';

/** Tokens, request signatures and who-may-call-what; global so any controller can declare `@Authenticated`. */
@Global()
@Module({
  imports: [PassportModule],
  controllers: [OAuthController, TokenKeysController],
  providers: [
    ReplayFallback,
    TokenService,
    OAuthService,
    RateLimiter,
    BearerStrategy,
    SpDirectory,
    AccessTokenGuard,
    SpHeadersGuard,
    SpSignatureGuard,
    SpTransportGuard,
  ],
  exports: [ReplayFallback, BearerStrategy, TokenService, SpDirectory, RateLimiter, AccessTokenGuard, SpHeadersGuard, SpSignatureGuard, SpTransportGuard],
})
export class SecurityModule {}
