import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { KEY_MATERIAL } from '../common/core.module';
import { identifierHash } from '../security/secret-box';
import type { KeyMaterial } from '../security/key-material';
import type { IdDocType } from './user-profile.entity';

export interface ProfileMatch {
  userId: string;
  verified: boolean;
  /** True when the profile holds the identifier under the requested document type. */
  hasDocType: boolean;
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

  async findByIdentifier(idDocType: IdDocType, normalizedIdentifier: string): Promise<ProfileMatch | null> {
    const rows: { user_id: string; verified: boolean; has_type: boolean }[] = await this.db.query(
      `SELECT d.user_id, p.verified, bool_or(d.id_doc_type = $2) AS has_type
         FROM user_documents d JOIN user_profiles p ON p.id = d.user_id
        WHERE d.identifier_hash = $1
        GROUP BY d.user_id, p.verified
        ORDER BY has_type DESC LIMIT 1`,
      [this.hashOf(normalizedIdentifier), idDocType],
    );
    const row = rows[0];
    return row ? { userId: row.user_id, verified: row.verified, hasDocType: row.has_type } : null;
  }
}
