import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The whole first schema. Identifiers are never stored in plaintext: `identifier_hash` is a
 * keyed HMAC for lookup, `*_enc` columns hold AES-256-GCM ciphertext with the key id inside.
 */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE service_providers (
        client_id            text PRIMARY KEY,
        name                 text NOT NULL,
        name_ar              text NOT NULL,
        client_secret_hash   text NOT NULL,
        callback_url         text,
        callback_api_key_enc text,
        consent_ttl_seconds  integer CHECK (consent_ttl_seconds IS NULL OR consent_ttl_seconds > 0),
        disabled             boolean NOT NULL DEFAULT false,
        created_at           timestamptz NOT NULL DEFAULT now(),
        updated_at           timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE sp_signing_secrets (
        id          uuid PRIMARY KEY,
        sp_id       text NOT NULL REFERENCES service_providers(client_id) ON DELETE CASCADE,
        secret_enc  text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        revoked_at  timestamptz
      )`);
    await q.query(`CREATE INDEX sp_signing_secrets_active ON sp_signing_secrets (sp_id) WHERE revoked_at IS NULL`);
    await q.query(`
      CREATE TABLE admin_clients (
        client_id          text PRIMARY KEY,
        client_secret_hash text NOT NULL,
        created_at         timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE token_signing_keys (
        kid             text PRIMARY KEY,
        alg             text NOT NULL,
        public_jwk      jsonb NOT NULL,
        private_jwk_enc text NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        retired_at      timestamptz
      )`);

    await q.query(`
      CREATE TABLE user_profiles (
        id         uuid PRIMARY KEY,
        name       text NOT NULL,
        name_ar    text NOT NULL,
        verified   boolean NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE user_documents (
        id              uuid PRIMARY KEY,
        user_id         uuid NOT NULL REFERENCES user_profiles(id) ON DELETE CASCADE,
        id_doc_type     text NOT NULL CHECK (id_doc_type IN ('EMIRATES_ID','PASSPORT','GCC_NATIONAL_ID_CARDS')),
        identifier_hash text NOT NULL,
        identifier_enc  text NOT NULL,
        UNIQUE (identifier_hash, id_doc_type)
      )`);
    await q.query(`CREATE INDEX user_documents_user ON user_documents (user_id)`);
    await q.query(`
      CREATE TABLE devices (
        id         uuid PRIMARY KEY,
        user_id    uuid NOT NULL REFERENCES user_profiles(id) ON DELETE CASCADE,
        platform   text NOT NULL CHECK (platform IN ('fcm','apns','webpush','sse')),
        push_token text NOT NULL,
        locale     text NOT NULL DEFAULT 'en',
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (user_id, platform, push_token)
      )`);

    await q.query(`
      CREATE TABLE consent_transactions (
        id                 uuid PRIMARY KEY,
        sp_id              text NOT NULL REFERENCES service_providers(client_id),
        sp_transaction_id  text NOT NULL,
        user_id            uuid NOT NULL REFERENCES user_profiles(id),
        id_doc_type        text NOT NULL,
        request_type       text NOT NULL CHECK (request_type IN ('spToSp','peerToPeer')),
        requested_by_id    text,
        purpose            text,
        purpose_ar         text,
        requestor_name     text,
        requestor_name_ar  text,
        requestor_id_type  text,
        requestor_enc      text,
        status             text NOT NULL CHECK (status IN ('TRIGGERED','ACCEPTED','REJECTED','INIT_FAILED','EXPIRED','CANCELLED','REVOKED')),
        expires_at         timestamptz NOT NULL,
        created_at         timestamptz NOT NULL DEFAULT now(),
        updated_at         timestamptz NOT NULL DEFAULT now(),
        decided_at         timestamptz,
        receipt            text,
        CONSTRAINT consent_transactions_sp_tx UNIQUE (sp_id, sp_transaction_id)
      )`);
    await q.query(`CREATE INDEX consent_transactions_user ON consent_transactions (user_id, created_at DESC)`);
    await q.query(`CREATE INDEX consent_transactions_pending_expiry ON consent_transactions (expires_at) WHERE status = 'TRIGGERED'`);
    await q.query(`CREATE INDEX consent_transactions_status_created ON consent_transactions (status, created_at DESC)`);
    await q.query(`CREATE INDEX consent_transactions_created ON consent_transactions (created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE consent_documents (
        transaction_id   uuid NOT NULL REFERENCES consent_transactions(id) ON DELETE CASCADE,
        position         integer NOT NULL,
        name             text NOT NULL,
        name_ar          text NOT NULL,
        type             text NOT NULL,
        type_ar          text NOT NULL,
        metadata         jsonb NOT NULL,
        must_be_accepted boolean NOT NULL DEFAULT false,
        accepted         boolean,
        PRIMARY KEY (transaction_id, position)
      )`);
    await q.query(`
      CREATE TABLE consent_events (
        id             bigserial PRIMARY KEY,
        transaction_id uuid NOT NULL REFERENCES consent_transactions(id),
        from_status    text,
        to_status      text NOT NULL,
        actor          text NOT NULL,
        at             timestamptz NOT NULL DEFAULT clock_timestamp(),
        detail         jsonb
      )`);
    await q.query(`CREATE INDEX consent_events_transaction ON consent_events (transaction_id, id)`);
    // The event log is append-only: no code path, and no operator by mistake, updates or deletes it.
    await q.query(`
      CREATE FUNCTION consent_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'consent_events is append-only';
      END $$`);
    await q.query(`
      CREATE TRIGGER consent_events_no_update_delete BEFORE UPDATE OR DELETE ON consent_events
      FOR EACH ROW EXECUTE FUNCTION consent_events_append_only()`);

    await q.query(`
      CREATE TABLE outbox (
        id             bigserial PRIMARY KEY,
        topic          text NOT NULL CHECK (topic IN ('push','callback')),
        transaction_id uuid NOT NULL,
        payload        jsonb NOT NULL,
        created_at     timestamptz NOT NULL DEFAULT now(),
        dispatched_at  timestamptz
      )`);
    await q.query(`CREATE INDEX outbox_pending ON outbox (id) WHERE dispatched_at IS NULL`);
    await q.query(`CREATE INDEX outbox_transaction ON outbox (transaction_id)`);
    await q.query(`
      CREATE TABLE notification_attempts (
        id             bigserial PRIMARY KEY,
        transaction_id uuid NOT NULL,
        device_id      uuid,
        platform       text NOT NULL,
        attempt        integer NOT NULL,
        outcome        text NOT NULL,
        status_code    integer,
        detail         text,
        latency_ms     integer,
        at             timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX notification_attempts_transaction ON notification_attempts (transaction_id, id)`);
    await q.query(`
      CREATE TABLE callback_attempts (
        id             bigserial PRIMARY KEY,
        transaction_id uuid NOT NULL,
        status         text NOT NULL,
        attempt        integer NOT NULL,
        url            text NOT NULL,
        status_code    integer,
        error          text,
        latency_ms     integer,
        delivered      boolean NOT NULL,
        at             timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX callback_attempts_transaction ON callback_attempts (transaction_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'callback_attempts',
      'notification_attempts',
      'outbox',
      'consent_events',
      'consent_documents',
      'consent_transactions',
      'devices',
      'user_documents',
      'user_profiles',
      'token_signing_keys',
      'admin_clients',
      'sp_signing_secrets',
      'service_providers',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
    await q.query(`DROP FUNCTION consent_events_append_only()`);
  }
}
