import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 11: monthly range partitions for consent transactions, their documents and their events.
 *
 * The partition key is the transaction id, a UUIDv7 whose first 48 bits are its creation time in
 * milliseconds: the primary key stays `id`, every foreign key keeps working, a lookup by id prunes
 * to one partition, and a transaction's documents and events live in the same month as it does
 * (so a month detaches whole). Ids that are not time-ordered (the v4 ids written before this
 * migration) land in the DEFAULT partition, as does anything outside the months created so far:
 * an insert never fails for want of a partition.
 *
 * A partitioned table cannot hold a unique constraint without its partition key, so the
 * `(sp_id, sp_transaction_id)` rule moves to `consent_idempotency`, keyed by exactly that pair.
 * The send statement claims the pair there first (ON CONFLICT DO NOTHING); a trigger claims it
 * for any other writer, so the database enforces the rule whoever inserts.
 *
 * `down()` restores the single-table layout with the data of the attached partitions.
 */
export class PartitionConsentTables1764300000000 implements MigrationInterface {
  name = 'PartitionConsentTables1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await createFunctions(q);

    // Rename, create partitioned copies (same columns, defaults and checks), copy, drop.
    for (const t of ['consent_events', 'consent_documents', 'consent_transactions']) await q.query(`ALTER TABLE ${t} RENAME TO ${t}_flat`);
    await q.query(`CREATE TABLE consent_transactions (LIKE consent_transactions_flat INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (id)`);
    await q.query(`CREATE TABLE consent_documents (LIKE consent_documents_flat INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (transaction_id)`);
    await q.query(`CREATE TABLE consent_events (LIKE consent_events_flat INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (transaction_id)`);
    for (const t of ['consent_transactions', 'consent_documents', 'consent_events']) await q.query(`CREATE TABLE ${t}_default PARTITION OF ${t} DEFAULT`);
    await q.query(`SELECT consent_ensure_partitions(1)`);
    for (const t of ['consent_transactions', 'consent_documents', 'consent_events']) await q.query(`INSERT INTO ${t} SELECT * FROM ${t}_flat`);
    await q.query(`ALTER SEQUENCE consent_events_id_seq OWNED BY consent_events.id`);
    for (const t of ['consent_events', 'consent_documents', 'consent_transactions']) await q.query(`DROP TABLE ${t}_flat`);

    await q.query(`ALTER TABLE consent_transactions ALTER COLUMN id SET DEFAULT consent_uuid_v7()`);
    await q.query(`ALTER TABLE consent_transactions ADD CONSTRAINT consent_transactions_pkey PRIMARY KEY (id)`);
    await q.query(
      `ALTER TABLE consent_transactions ADD CONSTRAINT consent_transactions_sp_id_fkey FOREIGN KEY (sp_id) REFERENCES service_providers(client_id)`,
    );
    await q.query(`ALTER TABLE consent_transactions ADD CONSTRAINT consent_transactions_user_id_fkey FOREIGN KEY (user_id) REFERENCES user_profiles(id)`);
    await createTransactionIndexes(q);
    // What the unique constraint's index used to serve: lookups by the pair (receipts, ops search).
    await q.query(`CREATE INDEX consent_transactions_sp_tx_lookup ON consent_transactions (sp_id, sp_transaction_id)`);
    await q.query(`ALTER TABLE consent_documents ADD CONSTRAINT consent_documents_pkey PRIMARY KEY (transaction_id, position)`);
    await q.query(
      `ALTER TABLE consent_documents ADD CONSTRAINT consent_documents_transaction_id_fkey FOREIGN KEY (transaction_id) REFERENCES consent_transactions(id) ON DELETE CASCADE`,
    );
    // The partition key must be part of the key; (transaction_id, id) also serves "events of a transaction in order".
    await q.query(`ALTER TABLE consent_events ADD CONSTRAINT consent_events_pkey PRIMARY KEY (transaction_id, id)`);
    await q.query(
      `ALTER TABLE consent_events ADD CONSTRAINT consent_events_transaction_id_fkey FOREIGN KEY (transaction_id) REFERENCES consent_transactions(id)`,
    );
    // A row trigger on the partitioned table is cloned onto every partition, present and future.
    await q.query(`
      CREATE TRIGGER consent_events_no_update_delete BEFORE UPDATE OR DELETE ON consent_events
      FOR EACH ROW EXECUTE FUNCTION consent_events_append_only()`);

    await q.query(`
      CREATE TABLE consent_idempotency (
        sp_id             text NOT NULL,
        sp_transaction_id text NOT NULL,
        transaction_id    uuid NOT NULL REFERENCES consent_transactions(id) ON DELETE CASCADE,
        CONSTRAINT consent_idempotency_pkey PRIMARY KEY (sp_id, sp_transaction_id)
      )`);
    await q.query(`CREATE INDEX consent_idempotency_transaction ON consent_idempotency (transaction_id)`);
    await q.query(`INSERT INTO consent_idempotency (sp_id, sp_transaction_id, transaction_id) SELECT sp_id, sp_transaction_id, id FROM consent_transactions`);
    // Any writer other than the send statement (an operator, a bulk load) is held to the same rule.
    await q.query(`
      CREATE FUNCTION consent_idempotency_claim() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO consent_idempotency (sp_id, sp_transaction_id, transaction_id)
        VALUES (NEW.sp_id, NEW.sp_transaction_id, NEW.id) ON CONFLICT DO NOTHING;
        IF NOT FOUND AND NOT EXISTS (SELECT 1 FROM consent_idempotency
              WHERE sp_id = NEW.sp_id AND sp_transaction_id = NEW.sp_transaction_id AND transaction_id = NEW.id) THEN
          RAISE unique_violation USING
            MESSAGE = 'duplicate key value violates unique constraint "consent_idempotency_pkey"',
            DETAIL = format('Key (sp_id, sp_transaction_id)=(%s, %s) already exists.', NEW.sp_id, NEW.sp_transaction_id),
            CONSTRAINT = 'consent_idempotency_pkey';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER consent_transactions_claim_idempotency AFTER INSERT ON consent_transactions
      FOR EACH ROW EXECUTE FUNCTION consent_idempotency_claim()`);
    await q.query(`
      CREATE FUNCTION consent_idempotency_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.sp_id IS DISTINCT FROM OLD.sp_id OR NEW.sp_transaction_id IS DISTINCT FROM OLD.sp_transaction_id THEN
          RAISE EXCEPTION 'a consent transaction''s (sp_id, sp_transaction_id) never changes';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER consent_transactions_idempotency_frozen BEFORE UPDATE OF sp_id, sp_transaction_id ON consent_transactions
      FOR EACH ROW EXECUTE FUNCTION consent_idempotency_frozen()`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['consent_events', 'consent_documents', 'consent_transactions']) {
      await q.query(`CREATE TABLE ${t}_flat (LIKE ${t} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
      await q.query(`INSERT INTO ${t}_flat SELECT * FROM ${t}`);
    }
    await q.query(`ALTER TABLE consent_transactions_flat ALTER COLUMN id DROP DEFAULT`);
    await q.query(`ALTER SEQUENCE consent_events_id_seq OWNED BY consent_events_flat.id`);
    await q.query(`DROP TABLE consent_idempotency`);
    for (const t of ['consent_events', 'consent_documents', 'consent_transactions']) {
      await q.query(`DROP TABLE ${t}`);
      await q.query(`ALTER TABLE ${t}_flat RENAME TO ${t}`);
    }
    await q.query(`DROP FUNCTION consent_idempotency_claim()`);
    await q.query(`DROP FUNCTION consent_idempotency_frozen()`);
    await q.query(`DROP FUNCTION consent_ensure_partitions(integer, integer)`);
    await q.query(`DROP FUNCTION consent_detach_partitions(integer)`);
    await q.query(`DROP FUNCTION consent_month_bound(timestamptz)`);
    await q.query(`DROP FUNCTION consent_uuid_v7(timestamptz)`);

    await q.query(`ALTER TABLE consent_transactions ADD CONSTRAINT consent_transactions_pkey PRIMARY KEY (id)`);
    await q.query(`ALTER TABLE consent_transactions ADD CONSTRAINT consent_transactions_sp_tx UNIQUE (sp_id, sp_transaction_id)`);
    await q.query(
      `ALTER TABLE consent_transactions ADD CONSTRAINT consent_transactions_sp_id_fkey FOREIGN KEY (sp_id) REFERENCES service_providers(client_id)`,
    );
    await q.query(`ALTER TABLE consent_transactions ADD CONSTRAINT consent_transactions_user_id_fkey FOREIGN KEY (user_id) REFERENCES user_profiles(id)`);
    await createTransactionIndexes(q);
    await q.query(`ALTER TABLE consent_documents ADD CONSTRAINT consent_documents_pkey PRIMARY KEY (transaction_id, position)`);
    await q.query(
      `ALTER TABLE consent_documents ADD CONSTRAINT consent_documents_transaction_id_fkey FOREIGN KEY (transaction_id) REFERENCES consent_transactions(id) ON DELETE CASCADE`,
    );
    await q.query(`ALTER TABLE consent_events ADD CONSTRAINT consent_events_pkey PRIMARY KEY (id)`);
    await q.query(
      `ALTER TABLE consent_events ADD CONSTRAINT consent_events_transaction_id_fkey FOREIGN KEY (transaction_id) REFERENCES consent_transactions(id)`,
    );
    await q.query(`CREATE INDEX consent_events_transaction ON consent_events (transaction_id, id)`);
    await q.query(`
      CREATE TRIGGER consent_events_no_update_delete BEFORE UPDATE OR DELETE ON consent_events
      FOR EACH ROW EXECUTE FUNCTION consent_events_append_only()`);
  }
}

/** The indexes of consent_transactions in both layouts (InitialSchema's and PrivacyAudit's). */
async function createTransactionIndexes(q: QueryRunner): Promise<void> {
  await q.query(`CREATE INDEX consent_transactions_user ON consent_transactions (user_id, created_at DESC)`);
  await q.query(`CREATE INDEX consent_transactions_pending_expiry ON consent_transactions (expires_at) WHERE status = 'TRIGGERED'`);
  await q.query(`CREATE INDEX consent_transactions_status_created ON consent_transactions (status, created_at DESC)`);
  await q.query(`CREATE INDEX consent_transactions_created ON consent_transactions (created_at DESC, id DESC)`);
  await q.query(`CREATE INDEX consent_transactions_retention ON consent_transactions (updated_at) WHERE anonymised_at IS NULL AND status <> 'TRIGGERED'`);
}

/**
 * The partition functions. Months are UTC calendar months; a month's partitions are named
 * `<table>_yYYYYmMM` and hold the ids from the month's first millisecond to the next month's.
 */
async function createFunctions(q: QueryRunner): Promise<void> {
  // A UUIDv7 (RFC 9562) for a given time: 48-bit Unix milliseconds, version 7, random rest.
  await q.query(`
    CREATE FUNCTION consent_uuid_v7(at timestamptz DEFAULT clock_timestamp()) RETURNS uuid LANGUAGE sql VOLATILE AS $$
      SELECT encode(set_byte(b, 6, (get_byte(b, 6) & 15) | 112), 'hex')::uuid
        FROM (SELECT overlay(uuid_send(gen_random_uuid())
                PLACING substring(int8send(floor(extract(epoch FROM at) * 1000)::bigint) FROM 3) FROM 1 FOR 6) AS b) s
    $$`);
  // The smallest UUIDv7 of a millisecond: a partition bound.
  await q.query(`
    CREATE FUNCTION consent_month_bound(at timestamptz) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$
      SELECT encode(substring(int8send(floor(extract(epoch FROM at) * 1000)::bigint) FROM 3) || '\\x00000000000000000000'::bytea, 'hex')::uuid
    $$`);
  // Creates the partitions of this month, the next `months_ahead` and the past `months_back` ones
  // (a backfill); answers the tables it created.
  // A transaction-scoped advisory lock makes concurrent callers (many instances) take turns.
  await q.query(`
    CREATE FUNCTION consent_ensure_partitions(months_ahead integer, months_back integer DEFAULT 0) RETURNS SETOF text LANGUAGE plpgsql AS $$
    DECLARE
      first timestamptz := date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
      m timestamptz;
      suffix text;
      t text;
    BEGIN
      PERFORM pg_advisory_xact_lock(7242025);
      FOR i IN -months_back..months_ahead LOOP
        m := first + make_interval(months => i);
        suffix := to_char(m AT TIME ZONE 'UTC', '"y"YYYY"m"MM');
        FOREACH t IN ARRAY ARRAY['consent_transactions', 'consent_documents', 'consent_events'] LOOP
          CONTINUE WHEN to_regclass(t || '_' || suffix) IS NOT NULL;
          BEGIN
            EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', t || '_' || suffix, t,
                           consent_month_bound(m), consent_month_bound(m + interval '1 month'));
            RETURN NEXT t || '_' || suffix;
          EXCEPTION WHEN check_violation THEN
            -- The DEFAULT partition already holds rows of that month (e.g. a pre-UUIDv7 id that
            -- happens to fall in its range): its rows keep going to DEFAULT; an operator moves them.
            RAISE WARNING 'partition % not created: %', t || '_' || suffix, SQLERRM;
          END;
        END LOOP;
      END LOOP;
    END $$`);
  // Detaches (never drops) every month that ended more than keep_months months ago, whole:
  // events and documents first, then the transactions; their idempotency claims are released.
  // The detached tables stay in the schema, with no foreign keys, to be archived or dropped.
  await q.query(`
    CREATE FUNCTION consent_detach_partitions(keep_months integer) RETURNS SETOF text LANGUAGE plpgsql AS $$
    DECLARE
      cutoff timestamptz;
      p record;
      m timestamptz;
      t text;
      fk record;
    BEGIN
      IF keep_months IS NULL OR keep_months < 1 THEN
        RAISE EXCEPTION 'keep_months must be at least 1';
      END IF;
      PERFORM pg_advisory_xact_lock(7242025);
      cutoff := (date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') - make_interval(months => keep_months);
      FOR p IN
        SELECT substring(c.relname FROM '_(y\\d{4}m\\d{2})$') AS suffix
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'consent_transactions'::regclass AND c.relname ~ '^consent_transactions_y\\d{4}m\\d{2}$'
         ORDER BY 1
      LOOP
        m := (substring(p.suffix, 2, 4) || '-' || substring(p.suffix, 7, 2) || '-01 00:00:00+00')::timestamptz;
        CONTINUE WHEN m + interval '1 month' > cutoff;
        DELETE FROM consent_idempotency
         WHERE transaction_id >= consent_month_bound(m) AND transaction_id < consent_month_bound(m + interval '1 month');
        FOREACH t IN ARRAY ARRAY['consent_events', 'consent_documents', 'consent_transactions'] LOOP
          CONTINUE WHEN to_regclass(t || '_' || p.suffix) IS NULL;
          EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', t, t || '_' || p.suffix);
          FOR fk IN SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(t || '_' || p.suffix) AND contype = 'f' AND conparentid = 0 LOOP
            EXECUTE format('ALTER TABLE %I DROP CONSTRAINT IF EXISTS %I', t || '_' || p.suffix, fk.conname);
          END LOOP;
          IF t <> 'consent_documents' THEN
            -- An archive needs no id generator (and must not pin the function or the sequence).
            EXECUTE format('ALTER TABLE %I ALTER COLUMN id DROP DEFAULT', t || '_' || p.suffix);
          END IF;
          RETURN NEXT t || '_' || p.suffix;
        END LOOP;
      END LOOP;
    END $$`);
}
