import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { IdDocType } from './id-doc-types';

/** The profile holding an identifier, as profileMatchSql answers it. */
export interface ProfileMatchRow {
  user_id: string;
  verified: boolean;
  has_type: boolean;
}

/** A new user's identity document: the identifier as its keyed hash and encrypted, never in clear. */
export interface NewUserDocument {
  id: string;
  idDocType: IdDocType;
  identifierHash: string;
  identifierEnc: string;
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

/** All SQL on user_profiles and user_documents (the send statement embeds profileMatchSql). */
@Injectable()
export class UserRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async findByIdentifierHash(hash: string, idDocType: IdDocType): Promise<ProfileMatchRow | undefined> {
    const rows: ProfileMatchRow[] = await this.db.query(profileMatchSql('$1', '$2'), [hash, idDocType]);
    return rows[0];
  }

  async exists(userId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(`SELECT 1 FROM user_profiles WHERE id = $1`, [userId]);
    return rows.length > 0;
  }

  /** The profile and its documents, in one database transaction. An identifier already held throws the unique violation (23505). */
  async create(profile: { id: string; name: string; nameAr: string; verified: boolean }, documents: NewUserDocument[]): Promise<void> {
    await this.db.transaction(async (m) => {
      await m.query(`INSERT INTO user_profiles (id, name, name_ar, verified) VALUES ($1, $2, $3, $4)`, [
        profile.id,
        profile.name,
        profile.nameAr,
        profile.verified,
      ]);
      for (const d of documents) {
        await m.query(`INSERT INTO user_documents (id, user_id, id_doc_type, identifier_hash, identifier_enc) VALUES ($1, $2, $3, $4, $5)`, [
          d.id,
          profile.id,
          d.idDocType,
          d.identifierHash,
          d.identifierEnc,
        ]);
      }
    });
  }
}
