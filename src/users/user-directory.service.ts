import { Inject, Injectable } from '@nestjs/common';
import { KEY_MATERIAL } from '../common/core.module';
import { ApiError } from '../common/errors/api-error';
import { identifierHash } from '../common/secret-box';
import type { KeyMaterial } from '../common/key-material';
import type { IdDocType } from './id-doc-types';
import { UserRepository } from './user.repository';

export interface ProfileMatch {
  userId: string;
  verified: boolean;
  /** True when the profile holds the identifier under the requested document type. */
  hasDocType: boolean;
}

// The send statement (src/consent) embeds this lookup; it is the repository's SQL.

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
    private readonly repo: UserRepository,
    @Inject(KEY_MATERIAL) private readonly keys: KeyMaterial,
  ) {}

  hashOf(normalizedIdentifier: string): string {
    return identifierHash(this.keys.identifierHashKey, normalizedIdentifier);
  }

  async findByHash(idDocType: IdDocType, hash: string): Promise<ProfileMatch | null> {
    const row = await this.repo.findByIdentifierHash(hash, idDocType);
    return row ? { userId: row.user_id, verified: row.verified, hasDocType: row.has_type } : null;
  }
}
