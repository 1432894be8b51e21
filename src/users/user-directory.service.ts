import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { KEY_MATERIAL } from '../common/core.module';
import { ApiError } from '../common/errors/api-error';
import { identifierHash } from '../common/secret-box';
import type { KeyMaterial } from '../common/key-material';
import type { IdDocType } from './id-doc-types';

export interface ProfileMatch {
  userId: string;
  verified: boolean;
  /** True when the profile holds the identifier under the requested document type. */
  hasDocType: boolean;
}

/**
 * The profile holding an identifier (by its keyed hash), whether it is verified, and whether it
 * holds that identifier under the requested document type. SQL text, so the send statement can
 * embed the same lookup and stay one round trip.
 */
export function profileMatchSql(hashParam: string, docTypeParam: string): string {
  return `SELECT d.user_id, p.verified, bool_or(d.id_doc_type = ${docTypeParam}::text) AS has_type
            FROM user_documents d JOIN user_profiles p ON p.id = d.user_id
           WHERE d.identifier_hash = ${hashParam}::text
           GROUP BY d.user_id, p.verified
           ORDER BY has_type DESC LIMIT 1`;
}

/** The seed's answer for a profile that cannot be asked: none, wrong document type, not verified. */
export function profileRefusal(match: ProfileMatch | null): ApiError | null {
  if (!match) return new ApiError('0001');
  if (!match.hasDocType) return new ApiError('CONS_1000002');
  if (!match.verified) return new ApiError('CONS_1000003');
  return null;
}

/** Finds user profiles by identity document number, through the keyed hash only. */
@Injectable()
export class UserDirectory {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(KEY_MATERIAL) private readonly keys: KeyMaterial,
  ) {}

  hashOf(normalizedIdentifier: string): string {
    return identifierHash(this.keys.identifierHashKey, normalizedIdentifier);
  }

  async findByHash(idDocType: IdDocType, hash: string): Promise<ProfileMatch | null> {
    const rows: { user_id: string; verified: boolean; has_type: boolean }[] = await this.db.query(profileMatchSql('$1', '$2'), [hash, idDocType]);
    const row = rows[0];
    return row ? { userId: row.user_id, verified: row.verified, hasDocType: row.has_type } : null;
  }
}
