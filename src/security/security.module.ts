import { Global, Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { SpDirectory } from '../service-providers/sp-directory.service';
import { AccessTokenGuard, SpHeadersGuard } from './authenticated.decorator';
import { BearerStrategy } from './bearer.strategy';
import { OAuthController } from './oauth.controller';
import { OAuthService } from './oauth.service';
import { RateLimiter } from './rate-limiter';
import { ReplayFallback } from './replay-fallback.service';
import { SpSignatureGuard } from './sp-signature.guard';
import { TokenKeysController } from './token-keys.controller';
import { TokenService } from './token.service';
import { WellKnownController } from './well-known.controller';

/** Tokens, request signatures and who-may-call-what; global so any controller can declare `@Authenticated`. */
@Global()
@Module({
  imports: [PassportModule],
  controllers: [OAuthController, TokenKeysController, WellKnownController],
  providers: [ReplayFallback, TokenService, OAuthService, RateLimiter, BearerStrategy, SpDirectory, AccessTokenGuard, SpHeadersGuard, SpSignatureGuard],
  exports: [ReplayFallback, BearerStrategy, TokenService, SpDirectory, RateLimiter, AccessTokenGuard, SpHeadersGuard, SpSignatureGuard],
})
export class SecurityModule {}
