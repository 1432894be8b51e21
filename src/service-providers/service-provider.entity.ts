import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity('service_providers')
export class ServiceProvider {
  @PrimaryColumn({ name: 'client_id' }) clientId: string;
  @Column() name: string;
  @Column({ name: 'name_ar' }) nameAr: string;
  /** scrypt hash; the plaintext is shown once at onboarding and never stored. */
  @Column({ name: 'client_secret_hash' }) clientSecretHash: string;
  @Column({ name: 'callback_url', type: 'text', nullable: true }) callbackUrl: string | null;
  /** Encrypted with the data key (SecretBox); sent back to the SP as X-API-Key on callbacks. */
  @Column({ name: 'callback_api_key_enc', type: 'text', nullable: true }) callbackApiKeyEnc: string | null;
  @Column({ name: 'consent_ttl_seconds', type: 'int', nullable: true }) consentTtlSeconds: number | null;
  @Column({ name: 'standing_consent_max_days', type: 'int', nullable: true }) standingConsentMaxDays: number | null;
  @Column() disabled: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

@Entity('sp_signing_secrets')
export class SpSigningSecret {
  @PrimaryColumn('uuid') id: string;
  @Column({ name: 'sp_id' }) spId: string;
  @Column({ name: 'secret_enc' }) secretEnc: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt: Date | null;
}
