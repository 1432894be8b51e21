import { MigrationInterface, QueryRunner } from 'typeorm';

const BODY_SQL = `
      SELECT encode(set_byte(b, 6, (get_byte(b, 6) & 15) | 112), 'hex')::uuid
        FROM (SELECT overlay(uuid_send(gen_random_uuid())
                PLACING substring(int8send(floor(extract(epoch FROM at) * 1000)::bigint) FROM 3) FROM 1 FOR 6) AS b) s
    `;

/**
 * consent_uuid_v7() in PL/pgSQL, same value. It is the default of consent_events.event_id and
 * outbox.event_id, which every send statement fills. As a LANGUAGE sql function with a FROM it
 * cannot be inlined, and a SQL function is parsed and planned again on every statement that
 * calls it: 17 % of a lone send's Postgres CPU (perf). PL/pgSQL keeps its plan for the session.
 * `node dist/bench/pg-cpu.js`: 408–413 → 323–333 µs per lone send, 80–83 → 73–75 µs in batches
 * of 16 (docs/benchmark.md, fourth session).
 */
export class UuidV7InPlpgsql1764900000000 implements MigrationInterface {
  name = 'UuidV7InPlpgsql1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION consent_uuid_v7(at timestamptz DEFAULT clock_timestamp()) RETURNS uuid LANGUAGE plpgsql VOLATILE AS $$
      DECLARE
        b bytea := overlay(uuid_send(gen_random_uuid()) PLACING substring(int8send(floor(extract(epoch FROM at) * 1000)::bigint) FROM 3) FROM 1 FOR 6);
      BEGIN
        -- version 7 in the high nibble of byte 6; gen_random_uuid() already set the variant bits
        RETURN encode(set_byte(b, 6, (get_byte(b, 6) & 15) | 112), 'hex')::uuid;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE OR REPLACE FUNCTION consent_uuid_v7(at timestamptz DEFAULT clock_timestamp()) RETURNS uuid LANGUAGE sql VOLATILE AS $$${BODY_SQL}$$`);
  }
}
