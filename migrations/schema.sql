SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

CREATE FUNCTION public.access_log_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
      BEGIN
        RAISE EXCEPTION 'access_log is append-only';
      END $$;

CREATE FUNCTION public.consent_detach_partitions(keep_months integer) RETURNS SETOF text
    LANGUAGE plpgsql
    AS $_$
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
        SELECT substring(c.relname FROM '_(y\d{4}m\d{2})$') AS suffix
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'consent_transactions'::regclass AND c.relname ~ '^consent_transactions_y\d{4}m\d{2}$'
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
    END $_$;

CREATE FUNCTION public.consent_ensure_partitions(months_ahead integer, months_back integer DEFAULT 0) RETURNS SETOF text
    LANGUAGE plpgsql
    AS $$
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
    END $$;

CREATE FUNCTION public.consent_events_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
      BEGIN
        RAISE EXCEPTION 'consent_events is append-only';
      END $$;

CREATE FUNCTION public.consent_idempotency_claim() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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
      END $$;

CREATE FUNCTION public.consent_idempotency_frozen() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
      BEGIN
        IF NEW.sp_id IS DISTINCT FROM OLD.sp_id OR NEW.sp_transaction_id IS DISTINCT FROM OLD.sp_transaction_id THEN
          RAISE EXCEPTION 'a consent transaction''s (sp_id, sp_transaction_id) never changes';
        END IF;
        RETURN NEW;
      END $$;

CREATE FUNCTION public.consent_month_bound(at timestamp with time zone) RETURNS uuid
    LANGUAGE sql IMMUTABLE
    AS $$
      SELECT encode(substring(int8send(floor(extract(epoch FROM at) * 1000)::bigint) FROM 3) || '\x00000000000000000000'::bytea, 'hex')::uuid
    $$;

CREATE FUNCTION public.consent_uuid_v7(at timestamp with time zone DEFAULT clock_timestamp()) RETURNS uuid
    LANGUAGE plpgsql
    AS $$
      DECLARE
        b bytea := overlay(uuid_send(gen_random_uuid()) PLACING substring(int8send(floor(extract(epoch FROM at) * 1000)::bigint) FROM 3) FROM 1 FOR 6);
      BEGIN
        -- version 7 in the high nibble of byte 6; gen_random_uuid() already set the variant bits
        RETURN encode(set_byte(b, 6, (get_byte(b, 6) & 15) | 112), 'hex')::uuid;
      END $$;

SET default_tablespace = '';

CREATE TABLE public.access_log (
    id bigint NOT NULL,
    at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    actor text NOT NULL,
    subject_type text NOT NULL,
    subject_id text,
    action text NOT NULL,
    reason text,
    request_id text,
    CONSTRAINT access_log_subject_type_check CHECK ((subject_type = ANY (ARRAY['transaction'::text, 'user'::text])))
);

CREATE SEQUENCE public.access_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.access_log_id_seq OWNED BY public.access_log.id;

CREATE TABLE public.admin_clients (
    client_id text NOT NULL,
    client_secret_hash text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.callback_attempts (
    id bigint NOT NULL,
    transaction_id uuid NOT NULL,
    status text NOT NULL,
    attempt integer NOT NULL,
    url text NOT NULL,
    status_code integer,
    error text,
    latency_ms integer,
    delivered boolean NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE SEQUENCE public.callback_attempts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.callback_attempts_id_seq OWNED BY public.callback_attempts.id;

CREATE TABLE public.consent_documents (
    transaction_id uuid NOT NULL,
    "position" integer NOT NULL,
    name text NOT NULL,
    name_ar text NOT NULL,
    type text NOT NULL,
    type_ar text NOT NULL,
    metadata jsonb NOT NULL,
    must_be_accepted boolean DEFAULT false NOT NULL,
    accepted boolean
)
PARTITION BY RANGE (transaction_id);

CREATE TABLE public.consent_documents_default (
    transaction_id uuid NOT NULL,
    "position" integer NOT NULL,
    name text NOT NULL,
    name_ar text NOT NULL,
    type text NOT NULL,
    type_ar text NOT NULL,
    metadata jsonb NOT NULL,
    must_be_accepted boolean DEFAULT false NOT NULL,
    accepted boolean
);

CREATE TABLE public.consent_events (
    id bigint NOT NULL,
    transaction_id uuid NOT NULL,
    from_status text,
    to_status text NOT NULL,
    actor text NOT NULL,
    at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    detail jsonb,
    event_id uuid DEFAULT public.consent_uuid_v7(),
    sequence integer DEFAULT 1 NOT NULL
)
PARTITION BY RANGE (transaction_id);

CREATE SEQUENCE public.consent_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.consent_events_id_seq OWNED BY public.consent_events.id;

CREATE TABLE public.consent_events_default (
    id bigint DEFAULT nextval('public.consent_events_id_seq'::regclass) NOT NULL,
    transaction_id uuid NOT NULL,
    from_status text,
    to_status text NOT NULL,
    actor text NOT NULL,
    at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    detail jsonb,
    event_id uuid DEFAULT public.consent_uuid_v7(),
    sequence integer DEFAULT 1 NOT NULL
);

CREATE TABLE public.consent_idempotency (
    sp_id text NOT NULL,
    sp_transaction_id text NOT NULL,
    transaction_id uuid NOT NULL
);

CREATE TABLE public.consent_transactions (
    id uuid DEFAULT public.consent_uuid_v7() NOT NULL,
    sp_id text NOT NULL,
    sp_transaction_id text NOT NULL,
    user_id uuid NOT NULL,
    id_doc_type text NOT NULL,
    request_type text NOT NULL,
    requested_by_id text,
    purpose text,
    purpose_ar text,
    requestor_name text,
    requestor_name_ar text,
    requestor_id_type text,
    requestor_enc text,
    status text NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    decided_at timestamp with time zone,
    receipt text,
    anonymised_at timestamp with time zone,
    event_seq integer DEFAULT 1 NOT NULL,
    consent_terms jsonb,
    standing_consent_id uuid,
    CONSTRAINT consent_transactions_request_type_check CHECK ((request_type = ANY (ARRAY['spToSp'::text, 'peerToPeer'::text]))),
    CONSTRAINT consent_transactions_status_check CHECK ((status = ANY (ARRAY['TRIGGERED'::text, 'ACCEPTED'::text, 'REJECTED'::text, 'INIT_FAILED'::text, 'EXPIRED'::text, 'CANCELLED'::text, 'REVOKED'::text])))
)
PARTITION BY RANGE (id);

CREATE TABLE public.consent_transactions_default (
    id uuid DEFAULT public.consent_uuid_v7() NOT NULL,
    sp_id text NOT NULL,
    sp_transaction_id text NOT NULL,
    user_id uuid NOT NULL,
    id_doc_type text NOT NULL,
    request_type text NOT NULL,
    requested_by_id text,
    purpose text,
    purpose_ar text,
    requestor_name text,
    requestor_name_ar text,
    requestor_id_type text,
    requestor_enc text,
    status text NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    decided_at timestamp with time zone,
    receipt text,
    anonymised_at timestamp with time zone,
    event_seq integer DEFAULT 1 NOT NULL,
    consent_terms jsonb,
    standing_consent_id uuid,
    CONSTRAINT consent_transactions_request_type_check CHECK ((request_type = ANY (ARRAY['spToSp'::text, 'peerToPeer'::text]))),
    CONSTRAINT consent_transactions_status_check CHECK ((status = ANY (ARRAY['TRIGGERED'::text, 'ACCEPTED'::text, 'REJECTED'::text, 'INIT_FAILED'::text, 'EXPIRED'::text, 'CANCELLED'::text, 'REVOKED'::text])))
);

CREATE TABLE public.devices (
    id uuid NOT NULL,
    user_id uuid NOT NULL,
    platform text NOT NULL,
    push_token text NOT NULL,
    locale text DEFAULT 'en'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT devices_platform_check CHECK ((platform = ANY (ARRAY['fcm'::text, 'apns'::text, 'webpush'::text, 'sse'::text])))
);

CREATE TABLE public.migrations (
    id integer NOT NULL,
    "timestamp" bigint NOT NULL,
    name character varying NOT NULL
);

CREATE SEQUENCE public.migrations_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.migrations_id_seq OWNED BY public.migrations.id;

CREATE TABLE public.notification_attempts (
    id bigint NOT NULL,
    transaction_id uuid NOT NULL,
    device_id uuid,
    platform text NOT NULL,
    attempt integer NOT NULL,
    outcome text NOT NULL,
    status_code integer,
    detail text,
    latency_ms integer,
    at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE SEQUENCE public.notification_attempts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.notification_attempts_id_seq OWNED BY public.notification_attempts.id;

CREATE TABLE public.ops_rollup_5m (
    bucket timestamp with time zone NOT NULL,
    sp_id text NOT NULL,
    triggered integer DEFAULT 0 NOT NULL,
    accepted integer DEFAULT 0 NOT NULL,
    rejected integer DEFAULT 0 NOT NULL,
    expired integer DEFAULT 0 NOT NULL,
    init_failed integer DEFAULT 0 NOT NULL,
    cancelled integer DEFAULT 0 NOT NULL,
    callbacks_delivered integer DEFAULT 0 NOT NULL,
    callbacks_failed integer DEFAULT 0 NOT NULL,
    push_delivered integer DEFAULT 0 NOT NULL,
    push_latency_hist integer[] DEFAULT '{}'::integer[] NOT NULL,
    outbox_oldest_seconds real DEFAULT 0 NOT NULL
);

CREATE TABLE public.ops_rollup_watermarks (
    source text NOT NULL,
    last_id bigint NOT NULL
);

CREATE TABLE public.outbox (
    id bigint NOT NULL,
    topic text NOT NULL,
    transaction_id uuid NOT NULL,
    payload jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    dispatched_at timestamp with time zone,
    event_id uuid DEFAULT public.consent_uuid_v7() NOT NULL,
    sp_id text,
    settled_at timestamp with time zone,
    outcome text,
    CONSTRAINT outbox_outcome_check CHECK ((outcome = ANY (ARRAY['delivered'::text, 'failed'::text, 'skipped'::text]))),
    CONSTRAINT outbox_topic_check CHECK ((topic = ANY (ARRAY['push'::text, 'callback'::text])))
);

CREATE SEQUENCE public.outbox_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.outbox_id_seq OWNED BY public.outbox.id;

CREATE TABLE public.replay_records (
    caller text NOT NULL,
    digest text NOT NULL,
    expires_at timestamp with time zone NOT NULL
);

CREATE TABLE public.service_providers (
    client_id text NOT NULL,
    name text NOT NULL,
    name_ar text NOT NULL,
    client_secret_hash text NOT NULL,
    callback_url text,
    callback_api_key_enc text,
    consent_ttl_seconds integer,
    disabled boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    webhook_secret_enc text,
    standing_consent_max_days integer,
    CONSTRAINT service_providers_consent_ttl_seconds_check CHECK (((consent_ttl_seconds IS NULL) OR (consent_ttl_seconds > 0))),
    CONSTRAINT service_providers_standing_consent_max_days_check CHECK (((standing_consent_max_days IS NULL) OR ((standing_consent_max_days >= 1) AND (standing_consent_max_days <= 3650))))
);

CREATE TABLE public.sp_signing_secrets (
    id uuid NOT NULL,
    sp_id text NOT NULL,
    secret_enc text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    revoked_at timestamp with time zone
);

CREATE TABLE public.standing_consents (
    id uuid NOT NULL,
    sp_id text NOT NULL,
    user_id uuid NOT NULL,
    request_type text NOT NULL,
    recipient text NOT NULL,
    document_types text[] NOT NULL,
    valid_until timestamp with time zone NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    revoked_at timestamp with time zone,
    CONSTRAINT standing_consents_request_type_check CHECK ((request_type = ANY (ARRAY['spToSp'::text, 'peerToPeer'::text])))
);

CREATE TABLE public.token_signing_keys (
    kid text NOT NULL,
    alg text NOT NULL,
    public_jwk jsonb NOT NULL,
    private_jwk_enc text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    retired_at timestamp with time zone
);

CREATE TABLE public.user_documents (
    id uuid NOT NULL,
    user_id uuid NOT NULL,
    id_doc_type text NOT NULL,
    identifier_hash text NOT NULL,
    identifier_enc text NOT NULL,
    CONSTRAINT user_documents_id_doc_type_check CHECK ((id_doc_type = ANY (ARRAY['EMIRATES_ID'::text, 'PASSPORT'::text, 'GCC_NATIONAL_ID_CARDS'::text])))
);

CREATE TABLE public.user_profiles (
    id uuid NOT NULL,
    name text NOT NULL,
    name_ar text NOT NULL,
    verified boolean NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE ONLY public.consent_documents ATTACH PARTITION public.consent_documents_default DEFAULT;

ALTER TABLE ONLY public.consent_events ATTACH PARTITION public.consent_events_default DEFAULT;

ALTER TABLE ONLY public.consent_transactions ATTACH PARTITION public.consent_transactions_default DEFAULT;

ALTER TABLE ONLY public.access_log ALTER COLUMN id SET DEFAULT nextval('public.access_log_id_seq'::regclass);

ALTER TABLE ONLY public.callback_attempts ALTER COLUMN id SET DEFAULT nextval('public.callback_attempts_id_seq'::regclass);

ALTER TABLE ONLY public.consent_events ALTER COLUMN id SET DEFAULT nextval('public.consent_events_id_seq'::regclass);

ALTER TABLE ONLY public.migrations ALTER COLUMN id SET DEFAULT nextval('public.migrations_id_seq'::regclass);

ALTER TABLE ONLY public.notification_attempts ALTER COLUMN id SET DEFAULT nextval('public.notification_attempts_id_seq'::regclass);

ALTER TABLE ONLY public.outbox ALTER COLUMN id SET DEFAULT nextval('public.outbox_id_seq'::regclass);

ALTER TABLE ONLY public.migrations
    ADD CONSTRAINT "PK_8c82d7f526340ab734260ea46be" PRIMARY KEY (id);

ALTER TABLE ONLY public.access_log
    ADD CONSTRAINT access_log_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.admin_clients
    ADD CONSTRAINT admin_clients_pkey PRIMARY KEY (client_id);

ALTER TABLE ONLY public.callback_attempts
    ADD CONSTRAINT callback_attempts_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.consent_documents
    ADD CONSTRAINT consent_documents_pkey PRIMARY KEY (transaction_id, "position");

ALTER TABLE ONLY public.consent_documents_default
    ADD CONSTRAINT consent_documents_default_pkey PRIMARY KEY (transaction_id, "position");

ALTER TABLE ONLY public.consent_events
    ADD CONSTRAINT consent_events_pkey PRIMARY KEY (transaction_id, id);

ALTER TABLE ONLY public.consent_events_default
    ADD CONSTRAINT consent_events_default_pkey PRIMARY KEY (transaction_id, id);

ALTER TABLE ONLY public.consent_idempotency
    ADD CONSTRAINT consent_idempotency_pkey PRIMARY KEY (sp_id, sp_transaction_id);

ALTER TABLE ONLY public.consent_transactions
    ADD CONSTRAINT consent_transactions_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.consent_transactions_default
    ADD CONSTRAINT consent_transactions_default_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.devices
    ADD CONSTRAINT devices_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.devices
    ADD CONSTRAINT devices_user_id_platform_push_token_key UNIQUE (user_id, platform, push_token);

ALTER TABLE ONLY public.notification_attempts
    ADD CONSTRAINT notification_attempts_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.ops_rollup_5m
    ADD CONSTRAINT ops_rollup_5m_pkey PRIMARY KEY (sp_id, bucket);

ALTER TABLE ONLY public.ops_rollup_watermarks
    ADD CONSTRAINT ops_rollup_watermarks_pkey PRIMARY KEY (source);

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT outbox_event_id UNIQUE (event_id);

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT outbox_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.replay_records
    ADD CONSTRAINT replay_records_pkey PRIMARY KEY (caller, digest);

ALTER TABLE ONLY public.service_providers
    ADD CONSTRAINT service_providers_pkey PRIMARY KEY (client_id);

ALTER TABLE ONLY public.sp_signing_secrets
    ADD CONSTRAINT sp_signing_secrets_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.standing_consents
    ADD CONSTRAINT standing_consents_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.token_signing_keys
    ADD CONSTRAINT token_signing_keys_pkey PRIMARY KEY (kid);

ALTER TABLE ONLY public.user_documents
    ADD CONSTRAINT user_documents_identifier_hash_id_doc_type_key UNIQUE (identifier_hash, id_doc_type);

ALTER TABLE ONLY public.user_documents
    ADD CONSTRAINT user_documents_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.user_profiles
    ADD CONSTRAINT user_profiles_pkey PRIMARY KEY (id);

CREATE INDEX access_log_actor ON public.access_log USING btree (actor, id DESC);

CREATE INDEX access_log_subject ON public.access_log USING btree (subject_type, subject_id, id DESC);

CREATE INDEX callback_attempts_transaction ON public.callback_attempts USING btree (transaction_id, id);

CREATE INDEX consent_events_id ON ONLY public.consent_events USING btree (id);

CREATE INDEX consent_events_default_id_idx ON public.consent_events_default USING btree (id);

CREATE INDEX consent_idempotency_transaction ON public.consent_idempotency USING btree (transaction_id);

CREATE INDEX consent_transactions_created ON ONLY public.consent_transactions USING btree (created_at DESC, id DESC);

CREATE INDEX consent_transactions_default_created_at_id_idx ON public.consent_transactions_default USING btree (created_at DESC, id DESC);

CREATE INDEX consent_transactions_pending_expiry ON ONLY public.consent_transactions USING btree (expires_at) WHERE (status = 'TRIGGERED'::text);

CREATE INDEX consent_transactions_default_expires_at_idx ON public.consent_transactions_default USING btree (expires_at) WHERE (status = 'TRIGGERED'::text);

CREATE INDEX consent_transactions_sp_tx_lookup ON ONLY public.consent_transactions USING btree (sp_id, sp_transaction_id);

CREATE INDEX consent_transactions_default_sp_id_sp_transaction_id_idx ON public.consent_transactions_default USING btree (sp_id, sp_transaction_id);

CREATE INDEX consent_transactions_standing ON ONLY public.consent_transactions USING btree (standing_consent_id) WHERE (standing_consent_id IS NOT NULL);

CREATE INDEX consent_transactions_default_standing_consent_id_idx ON public.consent_transactions_default USING btree (standing_consent_id) WHERE (standing_consent_id IS NOT NULL);

CREATE INDEX consent_transactions_status_created ON ONLY public.consent_transactions USING btree (status, created_at DESC);

CREATE INDEX consent_transactions_default_status_created_at_idx ON public.consent_transactions_default USING btree (status, created_at DESC);

CREATE INDEX consent_transactions_retention ON ONLY public.consent_transactions USING btree (updated_at) WHERE ((anonymised_at IS NULL) AND (status <> 'TRIGGERED'::text));

CREATE INDEX consent_transactions_default_updated_at_idx ON public.consent_transactions_default USING btree (updated_at) WHERE ((anonymised_at IS NULL) AND (status <> 'TRIGGERED'::text));

CREATE INDEX consent_transactions_user ON ONLY public.consent_transactions USING btree (user_id, created_at DESC);

CREATE INDEX consent_transactions_default_user_id_created_at_idx ON public.consent_transactions_default USING btree (user_id, created_at DESC);

CREATE INDEX notification_attempts_transaction ON public.notification_attempts USING btree (transaction_id, id);

CREATE INDEX ops_rollup_5m_bucket ON public.ops_rollup_5m USING btree (bucket);

CREATE INDEX outbox_pending ON public.outbox USING btree (id) WHERE (dispatched_at IS NULL);

CREATE INDEX outbox_sp_events ON public.outbox USING btree (sp_id, event_id) WHERE (topic = 'callback'::text);

CREATE INDEX outbox_transaction ON public.outbox USING btree (transaction_id);

CREATE INDEX replay_records_expiry ON public.replay_records USING btree (expires_at);

CREATE INDEX sp_signing_secrets_active ON public.sp_signing_secrets USING btree (sp_id) WHERE (revoked_at IS NULL);

CREATE INDEX standing_consents_lookup ON public.standing_consents USING btree (sp_id, user_id, recipient) WHERE (revoked_at IS NULL);

CREATE INDEX standing_consents_user ON public.standing_consents USING btree (user_id, created_at DESC);

CREATE INDEX user_documents_user ON public.user_documents USING btree (user_id);

ALTER INDEX public.consent_documents_pkey ATTACH PARTITION public.consent_documents_default_pkey;

ALTER INDEX public.consent_events_id ATTACH PARTITION public.consent_events_default_id_idx;

ALTER INDEX public.consent_events_pkey ATTACH PARTITION public.consent_events_default_pkey;

ALTER INDEX public.consent_transactions_created ATTACH PARTITION public.consent_transactions_default_created_at_id_idx;

ALTER INDEX public.consent_transactions_pending_expiry ATTACH PARTITION public.consent_transactions_default_expires_at_idx;

ALTER INDEX public.consent_transactions_pkey ATTACH PARTITION public.consent_transactions_default_pkey;

ALTER INDEX public.consent_transactions_sp_tx_lookup ATTACH PARTITION public.consent_transactions_default_sp_id_sp_transaction_id_idx;

ALTER INDEX public.consent_transactions_standing ATTACH PARTITION public.consent_transactions_default_standing_consent_id_idx;

ALTER INDEX public.consent_transactions_status_created ATTACH PARTITION public.consent_transactions_default_status_created_at_idx;

ALTER INDEX public.consent_transactions_retention ATTACH PARTITION public.consent_transactions_default_updated_at_idx;

ALTER INDEX public.consent_transactions_user ATTACH PARTITION public.consent_transactions_default_user_id_created_at_idx;

CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON public.access_log FOR EACH STATEMENT EXECUTE FUNCTION public.access_log_append_only();

CREATE TRIGGER access_log_no_update_delete BEFORE DELETE OR UPDATE ON public.access_log FOR EACH ROW EXECUTE FUNCTION public.access_log_append_only();

CREATE TRIGGER consent_events_no_update_delete BEFORE DELETE OR UPDATE ON public.consent_events FOR EACH ROW EXECUTE FUNCTION public.consent_events_append_only();

CREATE TRIGGER consent_transactions_claim_idempotency AFTER INSERT ON public.consent_transactions FOR EACH ROW EXECUTE FUNCTION public.consent_idempotency_claim();

CREATE TRIGGER consent_transactions_idempotency_frozen BEFORE UPDATE OF sp_id, sp_transaction_id ON public.consent_transactions FOR EACH ROW EXECUTE FUNCTION public.consent_idempotency_frozen();

ALTER TABLE public.consent_documents
    ADD CONSTRAINT consent_documents_transaction_id_fkey FOREIGN KEY (transaction_id) REFERENCES public.consent_transactions(id) ON DELETE CASCADE;

ALTER TABLE public.consent_events
    ADD CONSTRAINT consent_events_transaction_id_fkey FOREIGN KEY (transaction_id) REFERENCES public.consent_transactions(id);

ALTER TABLE ONLY public.consent_idempotency
    ADD CONSTRAINT consent_idempotency_transaction_id_fkey FOREIGN KEY (transaction_id) REFERENCES public.consent_transactions(id) ON DELETE CASCADE;

ALTER TABLE public.consent_transactions
    ADD CONSTRAINT consent_transactions_sp_id_fkey FOREIGN KEY (sp_id) REFERENCES public.service_providers(client_id);

ALTER TABLE public.consent_transactions
    ADD CONSTRAINT consent_transactions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.user_profiles(id);

ALTER TABLE ONLY public.devices
    ADD CONSTRAINT devices_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.user_profiles(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.sp_signing_secrets
    ADD CONSTRAINT sp_signing_secrets_sp_id_fkey FOREIGN KEY (sp_id) REFERENCES public.service_providers(client_id) ON DELETE CASCADE;

ALTER TABLE ONLY public.standing_consents
    ADD CONSTRAINT standing_consents_sp_id_fkey FOREIGN KEY (sp_id) REFERENCES public.service_providers(client_id);

ALTER TABLE ONLY public.standing_consents
    ADD CONSTRAINT standing_consents_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.user_profiles(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.user_documents
    ADD CONSTRAINT user_documents_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.user_profiles(id) ON DELETE CASCADE;
