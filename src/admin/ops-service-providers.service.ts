import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { KEY_MATERIAL } from '../common/core.module';
import { ApiError } from '../common/errors/api-error';
import { APP_CONFIG, AppConfig } from '../config/config';
import { assertCallbackUrlAllowed, egressPolicyOf, withoutCredentials } from '../security/egress-policy';
import type { KeyMaterial } from '../common/key-material';
import { SpDirectory } from '../service-providers/sp-directory.service';
import { decodeCursor, encodeCursor } from './ops-cursor';
import { ListServiceProvidersQuery, ServiceProviderViewDto, UpdateServiceProviderDto } from './ops-dto';

interface SpRow {
  client_id: string;
  name: string;
  name_ar: string;
  callback_url: string | null;
  has_api_key: boolean;
  consent_ttl_seconds: number | null;
  standing_consent_max_days: number | null;
  disabled: boolean;
  active_secrets: string;
  created_at: Date;
  updated_at: Date;
}

// Never a secret: not the client secret hash, not the callback API key, not a signing secret.
const SP_COLUMNS = `sp.client_id, sp.name, sp.name_ar, sp.callback_url, sp.callback_api_key_enc IS NOT NULL AS has_api_key,
  sp.consent_ttl_seconds, sp.standing_consent_max_days, sp.disabled, sp.created_at, sp.updated_at,
  (SELECT count(*) FROM sp_signing_secrets s WHERE s.sp_id = sp.client_id AND s.revoked_at IS NULL) AS active_secrets`;

const CLIENT_ID = /^[A-Za-z0-9._-]{3,128}$/;

/** SP management for operators. Every change is followed by SpDirectory.invalidate (all instances). */
@Injectable()
export class OpsServiceProvidersService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(KEY_MATERIAL) private readonly keys: KeyMaterial,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sps: SpDirectory,
  ) {}

  async list(q: ListServiceProvidersQuery): Promise<{ items: ServiceProviderViewDto[]; nextCursor: string | null }> {
    const limit = q.limit ?? 50;
    const after = q.cursor ? decodeCursor(q.cursor, [CLIENT_ID])[0] : null;
    const rows: SpRow[] = await this.db.query(
      `SELECT ${SP_COLUMNS} FROM service_providers sp WHERE ($1::text IS NULL OR sp.client_id > $1) ORDER BY sp.client_id LIMIT $2`,
      [after, limit + 1],
    );
    const page = rows.slice(0, limit);
    return { items: page.map((r) => this.view(r)), nextCursor: rows.length > limit ? encodeCursor([page[page.length - 1].client_id]) : null };
  }

  async get(clientId: string): Promise<ServiceProviderViewDto> {
    const rows: SpRow[] = CLIENT_ID.test(clientId)
      ? await this.db.query(`SELECT ${SP_COLUMNS} FROM service_providers sp WHERE sp.client_id = $1`, [clientId])
      : [];
    if (!rows[0]) throw new ApiError('CONS_1000012', { spId: clientId.slice(0, 128) });
    return this.view(rows[0]);
  }

  /** Changes only the fields sent; `null` clears callbackUrl, callbackApiKey, consentTtlSeconds or standingConsentMaxDays. */
  async update(clientId: string, dto: UpdateServiceProviderDto): Promise<ServiceProviderViewDto> {
    await this.get(clientId);
    await assertCallbackUrlAllowed(dto.callbackUrl, egressPolicyOf(this.config));
    const sets: string[] = [];
    const args: unknown[] = [clientId];
    const set = (column: string, value: unknown) => {
      args.push(value);
      sets.push(`${column} = $${args.length}`);
    };
    if (dto.name !== undefined && dto.name !== null) set('name', dto.name);
    if (dto.nameAr !== undefined && dto.nameAr !== null) set('name_ar', dto.nameAr);
    if (dto.callbackUrl !== undefined) set('callback_url', dto.callbackUrl);
    if (dto.callbackApiKey !== undefined) set('callback_api_key_enc', dto.callbackApiKey === null ? null : this.keys.secretBox.encrypt(dto.callbackApiKey));
    if (dto.consentTtlSeconds !== undefined) set('consent_ttl_seconds', dto.consentTtlSeconds);
    if (dto.standingConsentMaxDays !== undefined) set('standing_consent_max_days', dto.standingConsentMaxDays);
    if (dto.disabled !== undefined && dto.disabled !== null) set('disabled', dto.disabled);
    if (sets.length) {
      await this.db.query(`UPDATE service_providers SET ${sets.join(', ')}, updated_at = now() WHERE client_id = $1`, args);
      await this.sps.invalidate(clientId);
    }
    return this.get(clientId);
  }

  private view(r: SpRow): ServiceProviderViewDto {
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
