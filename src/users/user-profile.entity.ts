import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export const ID_DOC_TYPES = ['EMIRATES_ID', 'PASSPORT', 'GCC_NATIONAL_ID_CARDS'] as const;
export type IdDocType = (typeof ID_DOC_TYPES)[number];

@Entity('user_profiles')
export class UserProfile {
  @PrimaryColumn('uuid') id: string;
  @Column() name: string;
  @Column({ name: 'name_ar' }) nameAr: string;
  @Column() verified: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

@Entity('user_documents')
export class UserDocument {
  @PrimaryColumn('uuid') id: string;
  @Column({ name: 'user_id', type: 'uuid' }) userId: string;
  @Column({ name: 'id_doc_type', type: 'text' }) idDocType: IdDocType;
  /** Keyed HMAC of the normalised identifier: how a profile is found without storing the number. */
  @Column({ name: 'identifier_hash' }) identifierHash: string;
  @Column({ name: 'identifier_enc' }) identifierEnc: string;
}
