import { Global, Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { SpDirectory } from '../service-providers/sp-directory.service';
import { AccessTokenGuard, SpHeadersGuard } from './authenticated.decorator';
import { BearerStrategy } from './bearer.strategy';
import { OAuthController } from './oauth.controller';
import { OAuthService } from './oauth.service';
import { SpSignatureGuard } from './sp-signature.guard';
import { TokenService } from './token.service';

/** Tokens, request signatures and who-may-call-what; global so any controller can declare `@Authenticated`. */
@Global()
@Module({
  imports: [PassportModule],
  controllers: [OAuthController],
  providers: [TokenService, OAuthService, BearerStrategy, SpDirectory, AccessTokenGuard, SpHeadersGuard, SpSignatureGuard],
  exports: [TokenService, SpDirectory, AccessTokenGuard, SpHeadersGuard, SpSignatureGuard],
})
export class SecurityModule {}
