import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Replay records kept in Postgres while Redis is away (and checked until they expire), so a
 * signed request is still accepted once, and only once, during a Redis outage.
 */
export class ReplayFallback1764400000000 implements MigrationInterface {
  name = 'ReplayFallback1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE replay_records (
        caller     text NOT NULL,
        digest     text NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (caller, digest)
      )`);
    await q.query(`CREATE INDEX replay_records_expiry ON replay_records (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE replay_records`);
  }
}
