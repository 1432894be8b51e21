import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** An SP with its active signing secrets (encrypted, newest first), as the directory caches it. */
export interface SpWithSecretsRow {
  client_id: string;
  name: string;
  name_ar: string;
  disabled: boolean;
  callback_url: string | null;
  callback_api_key_enc: string | null;
  consent_ttl_seconds: number | null;
  standing_consent_max_days: number | null;
  webhook_secret_enc: string | null;
  secrets: string[] | null;
}

/** An SP as operators see it: never a secret (not the client secret hash, not the callback API key, not a signing secret). */
export interface SpViewRow {
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

/** A new SP, its secrets already hashed or encrypted. */
export interface NewSp {
  clientId: string;
  name: string;
  nameAr: string;
  clientSecretHash: string;
  callbackUrl: string | null;
  callbackApiKeyEnc: string | null;
  consentTtlSeconds: number | null;
  standingConsentMaxDays: number | null;
}

/** The columns an operator may change; `undefined` leaves one as it is. */
export interface SpChanges {
  name?: string;
  name_ar?: string;
  callback_url?: string | null;
  callback_api_key_enc?: string | null;
  consent_ttl_seconds?: number | null;
  standing_consent_max_days?: number | null;
  disabled?: boolean;
}

export interface SigningSecretRow {
  id: string;
  created_at: Date;
  revoked_at: Date | null;
}

const SP_VIEW_COLUMNS = `sp.client_id, sp.name, sp.name_ar, sp.callback_url, sp.callback_api_key_enc IS NOT NULL AS has_api_key,
  sp.consent_ttl_seconds, sp.standing_consent_max_days, sp.disabled, sp.created_at, sp.updated_at,
  (SELECT count(*) FROM sp_signing_secrets s WHERE s.sp_id = sp.client_id AND s.revoked_at IS NULL) AS active_secrets`;

/** The order SpChanges are written in (also the whitelist of columns an update may name). */
const CHANGEABLE: (keyof SpChanges)[] = [
  'name',
  'name_ar',
  'callback_url',
  'callback_api_key_enc',
  'consent_ttl_seconds',
  'standing_consent_max_days',
  'disabled',
];

/** All SQL on service_providers and sp_signing_secrets. */
@Injectable()
export class SpRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async findWithSecrets(clientId: string): Promise<SpWithSecretsRow | undefined> {
    const rows: SpWithSecretsRow[] = await this.db.query(
      `SELECT sp.client_id, sp.name, sp.name_ar, sp.disabled, sp.callback_url, sp.callback_api_key_enc, sp.consent_ttl_seconds, sp.webhook_secret_enc,
              sp.standing_consent_max_days,
              (SELECT array_agg(s.secret_enc ORDER BY s.created_at DESC) FROM sp_signing_secrets s
                WHERE s.sp_id = sp.client_id AND s.revoked_at IS NULL) AS secrets
         FROM service_providers sp WHERE sp.client_id = $1`,
      [clientId],
    );
    return rows[0];
  }

  async exists(clientId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(`SELECT 1 FROM service_providers WHERE client_id = $1`, [clientId]);
    return rows.length > 0;
  }

  /** The SP and its first signing secret, in one database transaction. A taken client id throws the unique violation (23505). */
  async create(sp: NewSp, firstSecret: { id: string; secretEnc: string }): Promise<void> {
    await this.db.transaction(async (m) => {
      await m.query(
        `INSERT INTO service_providers (client_id, name, name_ar, client_secret_hash, callback_url, callback_api_key_enc, consent_ttl_seconds, standing_consent_max_days)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [sp.clientId, sp.name, sp.nameAr, sp.clientSecretHash, sp.callbackUrl, sp.callbackApiKeyEnc, sp.consentTtlSeconds, sp.standingConsentMaxDays],
      );
      await this.addSigningSecret(sp.clientId, firstSecret.id, firstSecret.secretEnc, m);
    });
  }

  /** Operators' page of SPs after `afterClientId` (null: from the first), by client id. */
  async listViews(afterClientId: string | null, limit: number): Promise<SpViewRow[]> {
    return this.db.query(`SELECT ${SP_VIEW_COLUMNS} FROM service_providers sp WHERE ($1::text IS NULL OR sp.client_id > $1) ORDER BY sp.client_id LIMIT $2`, [
      afterClientId,
      limit,
    ]);
  }

  async findView(clientId: string): Promise<SpViewRow | undefined> {
    const rows: SpViewRow[] = await this.db.query(`SELECT ${SP_VIEW_COLUMNS} FROM service_providers sp WHERE sp.client_id = $1`, [clientId]);
    return rows[0];
  }

  /** Writes the columns set in `changes` (and updated_at); answers false when there was nothing to write. */
  async update(clientId: string, changes: SpChanges): Promise<boolean> {
    const sets: string[] = [];
    const args: unknown[] = [clientId];
    for (const column of CHANGEABLE) {
      if (changes[column] === undefined) continue;
      args.push(changes[column]);
      sets.push(`${column} = $${args.length}`);
    }
    if (!sets.length) return false;
    await this.db.query(`UPDATE service_providers SET ${sets.join(', ')}, updated_at = now() WHERE client_id = $1`, args);
    return true;
  }

  /** `null` turns Standard Webhooks signing off. */
  async setWebhookSecret(clientId: string, secretEnc: string | null): Promise<void> {
    await this.db.query(`UPDATE service_providers SET webhook_secret_enc = $2 WHERE client_id = $1`, [clientId, secretEnc]);
  }

  async addSigningSecret(spId: string, id: string, secretEnc: string, m = this.db.manager): Promise<void> {
    await m.query(`INSERT INTO sp_signing_secrets (id, sp_id, secret_enc) VALUES ($1, $2, $3)`, [id, spId, secretEnc]);
  }

  async listSigningSecrets(spId: string): Promise<SigningSecretRow[]> {
    return this.db.query(`SELECT id, created_at, revoked_at FROM sp_signing_secrets WHERE sp_id = $1 ORDER BY created_at`, [spId]);
  }

  async revokeSigningSecret(spId: string, secretId: string): Promise<void> {
    await this.db.query(`UPDATE sp_signing_secrets SET revoked_at = now() WHERE sp_id = $1 AND id::text = $2 AND revoked_at IS NULL`, [spId, secretId]);
  }
}
