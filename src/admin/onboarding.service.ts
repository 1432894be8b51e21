import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { KEY_MATERIAL } from '../common/core.module';
import { ApiError } from '../common/errors/api-error';
import { newWebhookSecret } from '../callbacks/standard-webhooks';
import { APP_CONFIG, AppConfig } from '../config/config';
import { normalizeIdentifier } from '../consent/identifier-rules';
import { assertCallbackUrlAllowed, egressPolicyOf } from '../security/egress-policy';
import type { KeyMaterial } from '../common/key-material';
import { hashSecret, identifierHash, newSecret } from '../common/secret-box';
import { TokenService } from '../security/token.service';
import { SpDirectory } from '../service-providers/sp-directory.service';
import { SpRepository } from '../service-providers/sp.repository';
import { UserRepository } from '../users/user.repository';
import { CreateServiceProviderDto, CreateUserDto, ServiceProviderCredentialsDto } from './dto/onboarding.dto';

const UNIQUE_VIOLATION = '23505';

/** Admin onboarding: SPs (secrets shown once, stored hashed or encrypted) and user profiles. */
@Injectable()
export class OnboardingService {
  constructor(
    private readonly spRepo: SpRepository,
    private readonly users: UserRepository,
    @Inject(KEY_MATERIAL) private readonly keys: KeyMaterial,
    private readonly sps: SpDirectory,
    private readonly tokens: TokenService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async createServiceProvider(dto: CreateServiceProviderDto): Promise<ServiceProviderCredentialsDto> {
    await assertCallbackUrlAllowed(dto.callbackUrl, egressPolicyOf(this.config));
    const clientSecret = newSecret();
    const signingSecret = newSecret();
    const box = this.keys.secretBox;
    const secretHash = await hashSecret(clientSecret);
    try {
      await this.spRepo.create(
        {
          clientId: dto.clientId,
          name: dto.name,
          nameAr: dto.nameAr,
          clientSecretHash: secretHash,
          callbackUrl: dto.callbackUrl ?? null,
          callbackApiKeyEnc: dto.callbackApiKey ? box.encrypt(dto.callbackApiKey) : null,
          consentTtlSeconds: dto.consentTtlSeconds ?? null,
          standingConsentMaxDays: dto.standingConsentMaxDays ?? null,
        },
        { id: randomUUID(), secretEnc: box.encrypt(signingSecret) },
      );
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) throw new ApiError('ADM_1000001', { clientId: dto.clientId });
      throw err;
    }
    await this.sps.invalidate(dto.clientId);
    return { clientId: dto.clientId, clientSecret, signingSecret };
  }

  /** Adds a signing secret; the previous one keeps working until it is revoked. */
  async addSigningSecret(clientId: string): Promise<{ id: string; signingSecret: string }> {
    await this.requireSp(clientId);
    const id = randomUUID();
    const signingSecret = newSecret();
    await this.spRepo.addSigningSecret(clientId, id, this.keys.secretBox.encrypt(signingSecret));
    await this.sps.invalidate(clientId);
    return { id, signingSecret };
  }

  async listSigningSecrets(clientId: string) {
    await this.requireSp(clientId);
    const rows = await this.spRepo.listSigningSecrets(clientId);
    return { items: rows.map((r) => ({ id: r.id, createdAt: r.created_at, revokedAt: r.revoked_at, active: r.revoked_at === null })) };
  }

  async revokeSigningSecret(clientId: string, secretId: string): Promise<void> {
    await this.requireSp(clientId);
    await this.spRepo.revokeSigningSecret(clientId, secretId);
    await this.sps.invalidate(clientId);
  }

  /**
   * Turns on Standard Webhooks signing of the SP's callbacks with a new `whsec_` secret (shown
   * once; replaces the previous one at once, so the SP verifies with the new one from now on).
   */
  async setWebhookSecret(clientId: string): Promise<{ webhookSecret: string }> {
    await this.requireSp(clientId);
    const webhookSecret = newWebhookSecret();
    await this.spRepo.setWebhookSecret(clientId, this.keys.secretBox.encrypt(webhookSecret));
    await this.sps.invalidate(clientId);
    return { webhookSecret };
  }

  /** Turns Standard Webhooks signing off: callbacks carry UAE PASS's signature only. */
  async removeWebhookSecret(clientId: string): Promise<void> {
    await this.requireSp(clientId);
    await this.spRepo.setWebhookSecret(clientId, null);
    await this.sps.invalidate(clientId);
  }

  async createUser(dto: CreateUserDto): Promise<{ id: string }> {
    const docs = dto.documents.map((d, i) => {
      const normalized = normalizeIdentifier(d.idDocType, d.identifier);
      if (!normalized) throw new ApiError('UMS_VAL_025');
      return { ...d, normalized, index: i };
    });
    const id = randomUUID();
    try {
      await this.users.create(
        { id, name: dto.name, nameAr: dto.nameAr, verified: dto.verified },
        docs.map((d) => ({
          id: randomUUID(),
          idDocType: d.idDocType,
          identifierHash: identifierHash(this.keys.identifierHashKey, d.normalized),
          identifierEnc: this.keys.secretBox.encrypt(d.normalized),
        })),
      );
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) throw new ApiError('ADM_1000002', { idDocType: docs[0].idDocType });
      throw err;
    }
    return { id };
  }

  async issueUserToken(userId: string) {
    if (!/^[0-9a-f-]{36}$/i.test(userId)) throw new ApiError('ADM_1000003', { id: userId.slice(0, 64) });
    if (!(await this.users.exists(userId))) throw new ApiError('ADM_1000003', { id: userId });
    return this.tokens.issueUserToken(userId);
  }

  private async requireSp(clientId: string): Promise<void> {
    if (!(await this.spRepo.exists(clientId))) throw new ApiError('CONS_1000012', { spId: clientId.slice(0, 128) });
  }
}
