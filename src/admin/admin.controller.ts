import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../security/authenticated.decorator';
import { CreateServiceProviderDto, CreateUserDto, ServiceProviderCredentialsDto } from './dto/onboarding.dto';
import { OnboardingService } from './onboarding.service';
import { CreatedUserDto, NewSigningSecretDto, SigningSecretListDto, UserTokenDto } from './dto/admin-responses.dto';

@ApiTags('Admin: onboarding')
@Controller('admin/v1')
@Authenticated('admin')
export class AdminOnboardingController {
  constructor(private readonly onboarding: OnboardingService) {}

  @Post('service-providers')
  @ApiOperation({ summary: 'Onboard an SP; its client secret and signing secret are shown once' })
  @ApiCreatedResponse({ type: ServiceProviderCredentialsDto })
  createServiceProvider(@Body() dto: CreateServiceProviderDto) {
    return this.onboarding.createServiceProvider(dto);
  }

  @Get('service-providers/:clientId/signing-secrets')
  @ApiOperation({ summary: 'An SP’s signing secrets (never their values): which are active' })
  @ApiOkResponse({ type: SigningSecretListDto })
  listSigningSecrets(@Param('clientId') clientId: string) {
    return this.onboarding.listSigningSecrets(clientId);
  }

  @Post('service-providers/:clientId/signing-secrets')
  @ApiOperation({ summary: 'Rotate: add a signing secret (shown once); the old one works until revoked' })
  @ApiCreatedResponse({ type: NewSigningSecretDto })
  addSigningSecret(@Param('clientId') clientId: string) {
    return this.onboarding.addSigningSecret(clientId);
  }

  @Delete('service-providers/:clientId/signing-secrets/:secretId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke one signing secret; requests signed with it are refused from now on' })
  @ApiNoContentResponse({ description: 'Revoked' })
  revokeSigningSecret(@Param('clientId') clientId: string, @Param('secretId') secretId: string) {
    return this.onboarding.revokeSigningSecret(clientId, secretId);
  }

  @Post('service-providers/:clientId/webhook-secret')
  @ApiOperation({
    summary: "Sign this SP's callbacks also the Standard Webhooks way (webhook-id, webhook-timestamp, webhook-signature); the whsec_ secret is shown once",
  })
  @ApiCreatedResponse({ schema: { properties: { webhookSecret: { type: 'string', example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' } } } })
  setWebhookSecret(@Param('clientId') clientId: string) {
    return this.onboarding.setWebhookSecret(clientId);
  }

  @Delete('service-providers/:clientId/webhook-secret')
  @HttpCode(204)
  @ApiOperation({ summary: "Stop signing this SP's callbacks the Standard Webhooks way" })
  removeWebhookSecret(@Param('clientId') clientId: string) {
    return this.onboarding.removeWebhookSecret(clientId);
  }

  @Post('users')
  @ApiCreatedResponse({ type: CreatedUserDto })
  @ApiOperation({ summary: 'Create a user profile with its identity documents (sandbox and tests; production profiles come from the identity system)' })
  createUser(@Body() dto: CreateUserDto) {
    return this.onboarding.createUser(dto);
  }

  @Post('users/:id/tokens')
  @ApiOperation({ summary: 'Mint a user token for the /app/v1 routes (reference app, demos, tests)' })
  @ApiCreatedResponse({ type: UserTokenDto })
  issueUserToken(@Param('id') id: string) {
    return this.onboarding.issueUserToken(id);
  }
}
