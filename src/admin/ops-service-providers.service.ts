import { Inject, Injectable } from '@nestjs/common';
import { KEY_MATERIAL } from '../common/core.module';
import { ApiError } from '../common/errors/api-error';
import { APP_CONFIG, AppConfig } from '../config/config';
import { assertCallbackUrlAllowed, egressPolicyOf, withoutCredentials } from '../security/egress-policy';
import type { KeyMaterial } from '../common/key-material';
import { SpDirectory } from '../service-providers/sp-directory.service';
import { SpChanges, SpRepository, SpViewRow } from '../service-providers/sp.repository';
import { decodeCursor, encodeCursor } from './ops-cursor';
import { ListServiceProvidersQuery, ServiceProviderViewDto, UpdateServiceProviderDto } from './ops-dto';

const CLIENT_ID = /^[A-Za-z0-9._-]{3,128}$/;

/** SP management for operators. Every change is followed by SpDirectory.invalidate (all instances). */
@Injectable()
export class OpsServiceProvidersService {
  constructor(
    private readonly repo: SpRepository,
    @Inject(KEY_MATERIAL) private readonly keys: KeyMaterial,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sps: SpDirectory,
  ) {}

  async list(q: ListServiceProvidersQuery): Promise<{ items: ServiceProviderViewDto[]; nextCursor: string | null }> {
    const limit = q.limit ?? 50;
    const after = q.cursor ? decodeCursor(q.cursor, [CLIENT_ID])[0] : null;
    const rows = await this.repo.listViews(after, limit + 1);
    const page = rows.slice(0, limit);
    return { items: page.map((r) => this.view(r)), nextCursor: rows.length > limit ? encodeCursor([page[page.length - 1].client_id]) : null };
  }

  async get(clientId: string): Promise<ServiceProviderViewDto> {
    const row = CLIENT_ID.test(clientId) ? await this.repo.findView(clientId) : undefined;
    if (!row) throw new ApiError('CONS_1000012', { spId: clientId.slice(0, 128) });
    return this.view(row);
  }

  /** Changes only the fields sent; `null` clears callbackUrl, callbackApiKey, consentTtlSeconds or standingConsentMaxDays. */
  async update(clientId: string, dto: UpdateServiceProviderDto): Promise<ServiceProviderViewDto> {
    await this.get(clientId);
    await assertCallbackUrlAllowed(dto.callbackUrl, egressPolicyOf(this.config));
    // undefined: not sent, left as it is; null: cleared (name, nameAr and disabled cannot be cleared).
    const changes: SpChanges = {
      name: dto.name ?? undefined,
      name_ar: dto.nameAr ?? undefined,
      callback_url: dto.callbackUrl,
      callback_api_key_enc: typeof dto.callbackApiKey === 'string' ? this.keys.secretBox.encrypt(dto.callbackApiKey) : dto.callbackApiKey,
      consent_ttl_seconds: dto.consentTtlSeconds,
      standing_consent_max_days: dto.standingConsentMaxDays,
      disabled: dto.disabled ?? undefined,
    };
    if (await this.repo.update(clientId, changes)) await this.sps.invalidate(clientId);
    return this.get(clientId);
  }

  private view(r: SpViewRow): ServiceProviderViewDto {
    return {
      clientId: r.client_id,
      name: r.name,
      nameAr: r.name_ar,
      callbackUrl: withoutCredentials(r.callback_url),
      hasCallbackApiKey: r.has_api_key,
      consentTtlSeconds: r.consent_ttl_seconds,
      effectiveConsentTtlSeconds: r.consent_ttl_seconds ?? this.config.consentTtlSeconds,
      standingConsentMaxDays: r.standing_consent_max_days,
      effectiveStandingConsentMaxDays: r.standing_consent_max_days ?? this.config.standingConsentMaxDays,
      disabled: r.disabled,
      activeSigningSecrets: Number(r.active_secrets),
      createdAt: new Date(r.created_at).toISOString(),
      updatedAt: new Date(r.updated_at).toISOString(),
    };
  }
}
