import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Privacy (issue 10): the append-only log of operators' reads, and the mark retention leaves on
 * a transaction it has anonymised (so the sweep never takes the same row twice).
 */
export class PrivacyAudit1764100000000 implements MigrationInterface {
  name = 'PrivacyAudit1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE access_log (
        id           bigserial PRIMARY KEY,
        at           timestamptz NOT NULL DEFAULT clock_timestamp(),
        actor        text NOT NULL,
        subject_type text NOT NULL CHECK (subject_type IN ('transaction','user')),
        subject_id   text,
        action       text NOT NULL,
        reason       text,
        request_id   text
      )`);
    await q.query(`CREATE INDEX access_log_subject ON access_log (subject_type, subject_id, id DESC)`);
    await q.query(`CREATE INDEX access_log_actor ON access_log (actor, id DESC)`);
    // Accountability: a record of who read what is worthless if it can be edited afterwards.
    await q.query(`
      CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'access_log is append-only';
      END $$`);
    await q.query(`
      CREATE TRIGGER access_log_no_update_delete BEFORE UPDATE OR DELETE ON access_log
      FOR EACH ROW EXECUTE FUNCTION access_log_append_only()`);
    // TRUNCATE bypasses row triggers; refuse it too.
    await q.query(`
      CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
      FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only()`);

    await q.query(`ALTER TABLE consent_transactions ADD COLUMN anonymised_at timestamptz`);
    // What the retention sweep scans: decided rows not yet anonymised, oldest first.
    await q.query(`
      CREATE INDEX consent_transactions_retention ON consent_transactions (updated_at)
       WHERE anonymised_at IS NULL AND status <> 'TRIGGERED'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX consent_transactions_retention`);
    await q.query(`ALTER TABLE consent_transactions DROP COLUMN anonymised_at`);
    await q.query(`DROP TABLE access_log`);
    await q.query(`DROP FUNCTION access_log_append_only()`);
  }
}
