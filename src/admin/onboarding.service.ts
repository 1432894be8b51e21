import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
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
import { CreateServiceProviderDto, CreateUserDto, ServiceProviderCredentialsDto } from './dto/onboarding.dto';

const UNIQUE_VIOLATION = '23505';

/** Admin onboarding: SPs (secrets shown once, stored hashed or encrypted) and user profiles. */
@Injectable()
export class OnboardingService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
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
      await this.db.transaction(async (m) => {
        await m.query(
          `INSERT INTO service_providers (client_id, name, name_ar, client_secret_hash, callback_url, callback_api_key_enc, consent_ttl_seconds, standing_consent_max_days)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            dto.clientId,
            dto.name,
            dto.nameAr,
            secretHash,
            dto.callbackUrl ?? null,
            dto.callbackApiKey ? box.encrypt(dto.callbackApiKey) : null,
            dto.consentTtlSeconds ?? null,
            dto.standingConsentMaxDays ?? null,
          ],
        );
        await m.query(`INSERT INTO sp_signing_secrets (id, sp_id, secret_enc) VALUES ($1, $2, $3)`, [randomUUID(), dto.clientId, box.encrypt(signingSecret)]);
      });
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
    await this.db.query(`INSERT INTO sp_signing_secrets (id, sp_id, secret_enc) VALUES ($1, $2, $3)`, [
      id,
      clientId,
      this.keys.secretBox.encrypt(signingSecret),
    ]);
    await this.sps.invalidate(clientId);
    return { id, signingSecret };
  }

  async listSigningSecrets(clientId: string) {
    await this.requireSp(clientId);
    const rows: { id: string; created_at: Date; revoked_at: Date | null }[] = await this.db.query(
      `SELECT id, created_at, revoked_at FROM sp_signing_secrets WHERE sp_id = $1 ORDER BY created_at`,
      [clientId],
    );
    return { items: rows.map((r) => ({ id: r.id, createdAt: r.created_at, revokedAt: r.revoked_at, active: r.revoked_at === null })) };
  }

  async revokeSigningSecret(clientId: string, secretId: string): Promise<void> {
    await this.requireSp(clientId);
    await this.db.query(`UPDATE sp_signing_secrets SET revoked_at = now() WHERE sp_id = $1 AND id::text = $2 AND revoked_at IS NULL`, [clientId, secretId]);
    await this.sps.invalidate(clientId);
  }

  /**
   * Turns on Standard Webhooks signing of the SP's callbacks with a new `whsec_` secret (shown
   * once; replaces the previous one at once, so the SP verifies with the new one from now on).
   */
  async setWebhookSecret(clientId: string): Promise<{ webhookSecret: string }> {
    await this.requireSp(clientId);
    const webhookSecret = newWebhookSecret();
    await this.db.query(`UPDATE service_providers SET webhook_secret_enc = $2 WHERE client_id = $1`, [clientId, this.keys.secretBox.encrypt(webhookSecret)]);
    await this.sps.invalidate(clientId);
    return { webhookSecret };
  }

  /** Turns Standard Webhooks signing off: callbacks carry UAE PASS's signature only. */
  async removeWebhookSecret(clientId: string): Promise<void> {
    await this.requireSp(clientId);
    await this.db.query(`UPDATE service_providers SET webhook_secret_enc = NULL WHERE client_id = $1`, [clientId]);
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
      await this.db.transaction(async (m) => {
        await m.query(`INSERT INTO user_profiles (id, name, name_ar, verified) VALUES ($1, $2, $3, $4)`, [id, dto.name, dto.nameAr, dto.verified]);
        for (const d of docs) {
          await m.query(`INSERT INTO user_documents (id, user_id, id_doc_type, identifier_hash, identifier_enc) VALUES ($1, $2, $3, $4, $5)`, [
            randomUUID(),
            id,
            d.idDocType,
            identifierHash(this.keys.identifierHashKey, d.normalized),
            this.keys.secretBox.encrypt(d.normalized),
          ]);
        }
      });
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) throw new ApiError('ADM_1000002', { idDocType: docs[0].idDocType });
      throw err;
    }
    return { id };
  }

  async issueUserToken(userId: string) {
    if (!/^[0-9a-f-]{36}$/i.test(userId)) throw new ApiError('ADM_1000003', { id: userId.slice(0, 64) });
    const rows: unknown[] = await this.db.query(`SELECT 1 FROM user_profiles WHERE id = $1`, [userId]);
    if (rows.length === 0) throw new ApiError('ADM_1000003', { id: userId });
    return this.tokens.issueUserToken(userId);
  }

  private async requireSp(clientId: string): Promise<void> {
    const rows: unknown[] = await this.db.query(`SELECT 1 FROM service_providers WHERE client_id = $1`, [clientId]);
    if (rows.length === 0) throw new ApiError('CONS_1000012', { spId: clientId.slice(0, 128) });
  }
}
