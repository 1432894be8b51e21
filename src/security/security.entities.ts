import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity('admin_clients')
export class AdminClient {
  @PrimaryColumn({ name: 'client_id' }) clientId: string;
  @Column({ name: 'client_secret_hash' }) clientSecretHash: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

/** The gateway's own token-signing keys; every unretired key is published in the JWKS. */
@Entity('token_signing_keys')
export class TokenSigningKey {
  @PrimaryColumn() kid: string;
  @Column() alg: string;
  @Column({ name: 'public_jwk', type: 'jsonb' }) publicJwk: Record<string, unknown>;
  @Column({ name: 'private_jwk_enc' }) privateJwkEnc: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true }) retiredAt: Date | null;
}
