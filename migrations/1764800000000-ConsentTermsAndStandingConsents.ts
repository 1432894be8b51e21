import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 21: what the user agrees to, and consent that lasts.
 *
 * `consent_transactions.consent_terms` holds the optional statement (both languages), terms link
 * and `validUntil` of a request, as sent; `standing_consent_id` names the standing consent a
 * request was answered from without asking. Both are added on the partitioned parent, so every
 * partition (present and future) has them.
 *
 * `standing_consents` is one row per accepted request that asked to stand: who may rely on it
 * (the SP, the recipient), for which documents, until when, and whether the user revoked it. It is
 * not partitioned (few rows per user, looked up on every send of the SP) and has no foreign key
 * to the partitioned transactions, so a month still detaches whole.
 */
export class ConsentTermsAndStandingConsents1764800000000 implements MigrationInterface {
  name = 'ConsentTermsAndStandingConsents1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE consent_transactions ADD COLUMN consent_terms jsonb`);
    await q.query(`ALTER TABLE consent_transactions ADD COLUMN standing_consent_id uuid`);
    await q.query(`CREATE INDEX consent_transactions_standing ON consent_transactions (standing_consent_id) WHERE standing_consent_id IS NOT NULL`);
    await q.query(
      `ALTER TABLE service_providers ADD COLUMN standing_consent_max_days integer
         CHECK (standing_consent_max_days IS NULL OR standing_consent_max_days BETWEEN 1 AND 3650)`,
    );
    await q.query(`
      CREATE TABLE standing_consents (
        id             uuid PRIMARY KEY,
        sp_id          text NOT NULL REFERENCES service_providers(client_id),
        user_id        uuid NOT NULL REFERENCES user_profiles(id) ON DELETE CASCADE,
        request_type   text NOT NULL CHECK (request_type IN ('spToSp','peerToPeer')),
        recipient      text NOT NULL,
        document_types text[] NOT NULL,
        valid_until    timestamptz NOT NULL,
        created_at     timestamptz NOT NULL DEFAULT now(),
        revoked_at     timestamptz
      )`);
    // What every send of an SP looks up: the live standing consents of one user for one recipient.
    await q.query(`CREATE INDEX standing_consents_lookup ON standing_consents (sp_id, user_id, recipient) WHERE revoked_at IS NULL`);
    await q.query(`CREATE INDEX standing_consents_user ON standing_consents (user_id, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE standing_consents`);
    await q.query(`ALTER TABLE service_providers DROP COLUMN standing_consent_max_days`);
    await q.query(`DROP INDEX consent_transactions_standing`);
    await q.query(`ALTER TABLE consent_transactions DROP COLUMN standing_consent_id`);
    await q.query(`ALTER TABLE consent_transactions DROP COLUMN consent_terms`);
  }
}
