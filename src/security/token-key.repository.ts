import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { JWK } from 'jose';
import { DataSource } from 'typeorm';

export interface TokenKeyStateRow {
  kid: string;
  alg: string;
  created_at: Date;
  retired_at: Date | null;
}

/** A live key with its private part (encrypted). */
export interface LiveTokenKeyRow {
  kid: string;
  public_jwk: JWK;
  private_jwk_enc: string;
}

// The key signing new tokens: the newest one not retired.
const SIGNING_KID = `(SELECT kid FROM token_signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1)`;

/** All SQL on token_signing_keys. */
@Injectable()
export class TokenKeyRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Every key, newest first (no private part). */
  async listAll(): Promise<TokenKeyStateRow[]> {
    return this.db.query(`SELECT kid, alg, created_at, retired_at FROM token_signing_keys ORDER BY created_at DESC`);
  }

  /** Every key not retired, newest (the signing one) first. */
  async listLive(): Promise<LiveTokenKeyRow[]> {
    return this.db.query(`SELECT kid, public_jwk, private_jwk_enc FROM token_signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC`);
  }

  async isLive(kid: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(`SELECT 1 FROM token_signing_keys WHERE kid = $1 AND retired_at IS NULL`, [kid]);
    return rows.length > 0;
  }

  /** The live key `kid`, and whether it is the one signing new tokens; undefined when it is not live. */
  async findLive(kid: string): Promise<{ kid: string; newest: boolean } | undefined> {
    const rows: { kid: string; newest: boolean }[] = await this.db.query(
      `SELECT kid, kid = ${SIGNING_KID} AS newest
         FROM token_signing_keys WHERE kid = $1 AND retired_at IS NULL`,
      [kid],
    );
    return rows[0];
  }

  async insert(key: { kid: string; alg: string; publicJwk: JWK; privateJwkEnc: string }): Promise<void> {
    await this.db.query(`INSERT INTO token_signing_keys (kid, alg, public_jwk, private_jwk_enc) VALUES ($1, $2, $3, $4)`, [
      key.kid,
      key.alg,
      key.publicJwk,
      key.privateJwkEnc,
    ]);
  }

  async retire(kid: string): Promise<void> {
    await this.db.query(`UPDATE token_signing_keys SET retired_at = now() WHERE kid = $1`, [kid]);
  }

  /** Retires every live key but the signing one created more than `ageSeconds` ago; answers their kids. */
  async retireOlderThan(ageSeconds: number): Promise<string[]> {
    // The CTE makes TypeORM answer plain rows (a bare UPDATE answers [rows, count]).
    const rows: { kid: string }[] = await this.db.query(
      `WITH retired AS (
         UPDATE token_signing_keys SET retired_at = now()
          WHERE retired_at IS NULL
            AND kid <> ${SIGNING_KID}
            AND created_at < now() - make_interval(secs => $1) RETURNING kid)
       SELECT kid FROM retired`,
      [ageSeconds],
    );
    return rows.map((r) => r.kid);
  }
}
