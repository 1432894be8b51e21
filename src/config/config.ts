/**
 * Configuration, read once from the environment and validated at boot.
 * A wrong value stops the process with one line naming the variable and what is expected
 * (see main.ts). `.env.example` lists every variable below with its default.
 */
export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, fallback?: string): string {
  const v = env[name];
  if (v === undefined || v === '') {
    if (fallback === undefined) throw new ConfigError(`${name} is required`);
    return fallback;
  }
  return v;
}

function optional(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name}="${raw}" is invalid: expected a whole number from ${min} to ${max}`);
  }
  return Number(raw);
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(true|1|yes|on)$/i.test(raw)) return true;
  if (/^(false|0|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name}="${raw}" is invalid: expected true or false`);
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = optional(env, name);
  if (raw === undefined) return undefined;
  try {
    const parsed = new URL(raw);
    if (!protocols.includes(parsed.protocol)) throw new Error();
  } catch {
    throw new ConfigError(`${name} is invalid: expected a ${protocols.join(' or ')} URL`);
  }
  return raw;
}

function enumOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!values.includes(raw as T)) throw new ConfigError(`${name}="${raw}" is invalid: expected one of ${values.join(', ')}`);
  return raw as T;
}

/** True when `b64` is exactly the base64 (or base64url) form of 32 bytes: `Buffer.from` alone ignores junk. */
function isBase64Of32Bytes(b64: string): boolean {
  const key = Buffer.from(b64, 'base64');
  const canonical = (s: string) => s.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  return key.length === 32 && canonical(key.toString('base64url')) === canonical(b64);
}

/**
 * Secrets printed in the README and docs as examples. Anyone can read them, so production refuses
 * them (and anything still saying "change me").
 */
export const DOCUMENTED_EXAMPLE_SECRETS: readonly string[] = ['change-me-please-123'];

function isDocumentedExample(secret: string): boolean {
  return DOCUMENTED_EXAMPLE_SECRETS.includes(secret) || /change[-_ ]?me/i.test(secret);
}

/** `id:base64key,id2:base64key`: 32-byte keys; the first is the active one. */
function keyRing(env: Env, name: string): { id: string; key: Buffer }[] | undefined {
  const raw = optional(env, name);
  if (raw === undefined) return undefined;
  const ring = raw.split(',').map((part) => {
    const [id, b64] = part.split(':');
    const key = Buffer.from(b64 ?? '', 'base64');
    if (!id || !/^[A-Za-z0-9_-]{1,32}$/.test(id) || !isBase64Of32Bytes(b64 ?? '')) {
      throw new ConfigError(`${name} is invalid: expected "keyId:base64(32 bytes)" entries separated by commas`);
    }
    return { id, key };
  });
  return ring;
}

export function loadConfig(env: Env = process.env) {
  const port = int(env, 'PORT', 3000, 0, 65535);
  const config = {
    nodeEnv: enumOf(env, 'NODE_ENV', ['development', 'production', 'test'] as const, 'development'),
    port,
    host: str(env, 'HOST', '0.0.0.0'),
    /** Public base URL: the token issuer (`iss`) and the links the gateway prints. */
    publicUrl: url(env, 'PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`,
    dataDir: str(env, 'DATA_DIR', '.data'),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    databaseReadUrl: url(env, 'DATABASE_READ_URL', ['postgres:', 'postgresql:']),
    databaseSchema: optional(env, 'DATABASE_SCHEMA'),
    databasePoolSize: int(env, 'DATABASE_POOL_SIZE', 20, 1, 500),
    /**
     * plan_cache_mode of every pooled session. force_generic_plan: a prepared statement (and each
     * foreign-key check) is planned once per connection; under `auto` Postgres re-plans statements
     * over the partitioned consent tables on every call (see docs/benchmark.md).
     */
    databasePlanCacheMode: enumOf(env, 'DATABASE_PLAN_CACHE_MODE', ['force_generic_plan', 'auto', 'force_custom_plan'] as const, 'force_generic_plan'),
    /** Monthly partitions of consent tables kept ready beyond the current month. */
    partitionMonthsAhead: int(env, 'PARTITION_MONTHS_AHEAD', 2, 1, 24),
    /** Months of consent partitions kept attached; older ones are detached for archiving (0: never). */
    partitionRetentionMonths: int(env, 'PARTITION_RETENTION_MONTHS', 0, 0, 1200),
    partitionMaintenanceIntervalMs: int(env, 'PARTITION_MAINTENANCE_INTERVAL_MS', 6 * 3_600_000, 1000, 7 * 86_400_000),
    /** How often workers re-analyze small tables that outgrew their statistics (PlannerStatsGuard); 0: never. */
    plannerStatsIntervalMs: int(env, 'PLANNER_STATS_INTERVAL_MS', 5000, 0, 3_600_000),
    runMigrations: bool(env, 'RUN_MIGRATIONS', true),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    /** Redis Sentinel: `host:port,host:port` of the sentinels, with the master's name. */
    redisSentinels: optional(env, 'REDIS_SENTINELS'),
    redisSentinelName: str(env, 'REDIS_SENTINEL_NAME', 'mymaster'),
    /** Redis Cluster: `host:port,host:port` of some cluster nodes. */
    redisClusterNodes: optional(env, 'REDIS_CLUSTER_NODES'),
    redisPassword: optional(env, 'REDIS_PASSWORD'),
    /** Prefix of every Redis key (queues, replay records, rate limits), so tenants or test runs never collide. */
    redisPrefix: str(env, 'REDIS_PREFIX', 'muwafaqa'),
    /** Replicas that must hold enqueued jobs before an outbox row counts as dispatched (Redis WAIT); default 1 with Sentinel, else 0. */
    redisWaitReplicas: int(env, 'REDIS_WAIT_REPLICAS', optional(env, 'REDIS_SENTINELS') ? 1 : 0, 0, 16),
    redisWaitTimeoutMs: int(env, 'REDIS_WAIT_TIMEOUT_MS', 2000, 10, 60_000),
    workersInProcess: bool(env, 'WORKERS_IN_PROCESS', true),
    logLevel: enumOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 64 * 1024, 1024, 10 * 1024 * 1024),

    adminClientId: optional(env, 'ADMIN_CLIENT_ID'),
    adminClientSecret: optional(env, 'ADMIN_CLIENT_SECRET'),
    tokenTtlSeconds: int(env, 'TOKEN_TTL_SECONDS', 3600, 60, 86400),
    userTokenTtlSeconds: int(env, 'USER_TOKEN_TTL_SECONDS', 3600, 60, 86400),
    /** Tokens from an external identity provider, accepted beside the gateway's own. */
    externalJwksUrl: url(env, 'EXTERNAL_JWKS_URL', ['http:', 'https:']),
    externalIssuer: optional(env, 'EXTERNAL_ISSUER'),
    externalAudience: optional(env, 'EXTERNAL_AUDIENCE'),
    /** Keys that encrypt secrets and identifiers at rest; generated under DATA_DIR when unset outside production. */
    dataKeys: keyRing(env, 'DATA_KEYS'),
    /** Key of the keyed hash used to look identifiers up; generated under DATA_DIR when unset outside production. */
    identifierHashKey: optional(env, 'IDENTIFIER_HASH_KEY'),

    signatureWindowSeconds: int(env, 'SIGNATURE_WINDOW_SECONDS', 300, 1, 3600),
    rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 6000, 1, 1_000_000),
    /** Failed token requests per (client id, source address) per minute; successes never count. */
    tokenRateLimitPerMinute: int(env, 'TOKEN_RATE_LIMIT_PER_MINUTE', 120, 1, 1_000_000),
    /** Failed token requests per source address per minute, across client ids: bounds the scrypt work one source can cause. */
    tokenSourceFailuresPerMinute: int(env, 'TOKEN_SOURCE_FAILURES_PER_MINUTE', 240, 1, 1_000_000),
    /** Answers 0001 / CONS_1000003 an SP may get per window before send and validate answer SEC_1000052 (enumeration). */
    identifierProbeBudget: int(env, 'IDENTIFIER_PROBE_BUDGET', 200, 1, 10_000_000),
    identifierProbeWindowSeconds: int(env, 'IDENTIFIER_PROBE_WINDOW_SECONDS', 3600, 10, 7 * 86_400),
    consentTtlSeconds: int(env, 'CONSENT_TTL_SECONDS', 600, 10, 30 * 86400),
    /** How long a standing consent (a send's validUntil) may last at most, for SPs without their own standingConsentMaxDays. */
    standingConsentMaxDays: int(env, 'STANDING_CONSENT_MAX_DAYS', 365, 1, 3650),
    expirySweepIntervalMs: int(env, 'EXPIRY_SWEEP_INTERVAL_MS', 5000, 100, 3_600_000),
    outboxPollIntervalMs: int(env, 'OUTBOX_POLL_INTERVAL_MS', 500, 10, 60_000),
    /** Callbacks and Web Push may reach private, loopback and link-local addresses (default: outside production only). */
    egressAllowPrivate: bool(env, 'EGRESS_ALLOW_PRIVATE', env.NODE_ENV !== 'production'),
    /** Host names allowed as callback destinations whatever they resolve to (an SP inside the network on purpose). */
    egressAllowHosts: (optional(env, 'EGRESS_ALLOW_HOSTS') ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
    /** When set, /metrics requires `Authorization: Bearer <METRICS_TOKEN>`; in production /metrics is refused without it (or METRICS_PORT). */
    metricsToken: optional(env, 'METRICS_TOKEN'),
    /** Serve /metrics on its own listener (internal network) instead of the API port; also in worker processes. */
    metricsPort: optional(env, 'METRICS_PORT') === undefined ? undefined : int(env, 'METRICS_PORT', 0, 0, 65535),
    metricsHost: str(env, 'METRICS_HOST', '0.0.0.0'),
    /** Database and queue gauges are computed at most this often (one instance per interval). */
    metricsRefreshIntervalMs: int(env, 'METRICS_REFRESH_INTERVAL_MS', 15_000, 100, 3_600_000),
    /** Group commit of send: how long sends gather while a batch statement runs, and at most how many share one. */
    sendBatchWindowMs: int(env, 'SEND_BATCH_WINDOW_MS', 2, 0, 10_000),
    sendBatchMax: int(env, 'SEND_BATCH_MAX', 64, 1, 1000),
    /** The same for status polls: concurrent lookups share one statement. */
    statusBatchWindowMs: int(env, 'STATUS_BATCH_WINDOW_MS', 2, 0, 10_000),
    statusBatchMax: int(env, 'STATUS_BATCH_MAX', 64, 1, 1000),
    /** /health/ready answers 503 when a queue's oldest waiting job is older than this (0: no queue check). */
    readyQueueLagSeconds: int(env, 'READY_QUEUE_LAG_SECONDS', 300, 0, 86_400),

    pushAttempts: int(env, 'PUSH_ATTEMPTS', 5, 1, 50),
    callbackAttempts: int(env, 'CALLBACK_ATTEMPTS', 8, 1, 50),
    backoffBaseMs: int(env, 'BACKOFF_BASE_MS', 1000, 1, 3_600_000),
    callbackTimeoutMs: int(env, 'CALLBACK_TIMEOUT_MS', 5000, 100, 120_000),
    /**
     * Jobs at a time per queue and worker process. A push job mostly waits (its batched load, the
     * provider's answer, its batched attempt row), so at 20 the pipeline topped out near 600
     * pushes/s on two cores; at 100 it kept up with 2,000+ sends/s (docs/benchmark.md, fourth session).
     */
    workerConcurrency: int(env, 'WORKER_CONCURRENCY', 100, 1, 1000),
    /** A job whose worker died (SIGKILL, crash) is handed to another worker after about this long. */
    workerLockMs: int(env, 'WORKER_LOCK_MS', 30_000, 500, 600_000),

    fcmBaseUrl: url(env, 'FCM_BASE_URL', ['http:', 'https:']) ?? 'https://fcm.googleapis.com',
    fcmServiceAccountFile: optional(env, 'FCM_SERVICE_ACCOUNT_FILE'),
    apnsBaseUrl: url(env, 'APNS_BASE_URL', ['http:', 'https:']) ?? 'https://api.push.apple.com',
    apnsKeyFile: optional(env, 'APNS_KEY_FILE'),
    apnsKeyId: optional(env, 'APNS_KEY_ID'),
    apnsTeamId: optional(env, 'APNS_TEAM_ID'),
    apnsTopic: optional(env, 'APNS_TOPIC'),
    vapidPublicKey: optional(env, 'VAPID_PUBLIC_KEY'),
    vapidPrivateKey: optional(env, 'VAPID_PRIVATE_KEY'),
    vapidSubject: optional(env, 'VAPID_SUBJECT'),
    /** Hosts a Web Push subscription's endpoint may name (https only; `*.` matches sub-domains): FCM, Mozilla, Apple, Windows. */
    webPushAllowedHosts: (optional(env, 'WEB_PUSH_ALLOWED_HOSTS') ?? 'fcm.googleapis.com,*.push.services.mozilla.com,*.push.apple.com,*.notify.windows.com')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),

    /** Days after its decision (or expiry, cancellation) a refused or ended transaction is anonymised. */
    retentionDays: int(env, 'RETENTION_DAYS', 365, 1, 36_500),
    /** Days for ACCEPTED and REVOKED ones: consent that was given is proof the SP may need longer. */
    retentionAcceptedDays: int(env, 'RETENTION_ACCEPTED_DAYS', 1825, 1, 36_500),
    /** How often the privacy-retention job runs. */
    retentionSweepIntervalMs: int(env, 'RETENTION_SWEEP_INTERVAL_MS', 3_600_000, 100, 7 * 86_400_000),
    /** Rows per database transaction for key rotation and retention (small batches keep locks short). */
    privacyBatchSize: int(env, 'PRIVACY_BATCH_SIZE', 500, 1, 10_000),

    /** Ops console (/ops): operators sign in through the organisation's OpenID provider; off unless all four are set. */
    opsOidcIssuer: url(env, 'OPS_OIDC_ISSUER', ['http:', 'https:']),
    opsOidcClientId: optional(env, 'OPS_OIDC_CLIENT_ID'),
    opsOidcClientSecret: optional(env, 'OPS_OIDC_CLIENT_SECRET'),
    opsOidcRedirectUrl: url(env, 'OPS_OIDC_REDIRECT_URL', ['http:', 'https:']),
    opsOidcScopes: str(env, 'OPS_OIDC_SCOPES', 'openid profile email groups'),
    /** The claim (in userinfo) listing the operator's groups or roles. */
    opsOidcRolesClaim: str(env, 'OPS_OIDC_ROLES_CLAIM', 'groups'),
    /** `role=group|group,...`: which IdP groups make a console admin, operator or viewer. */
    opsRoleGroups: str(env, 'OPS_ROLE_GROUPS', 'admin=muwafaqa-admins,operator=muwafaqa-operators,viewer=muwafaqa-viewers'),
    opsSessionTtlSeconds: int(env, 'OPS_SESSION_TTL_SECONDS', 8 * 3600, 60, 7 * 86400),
    /** Signs the console's cookies; derived from IDENTIFIER_HASH_KEY when unset. */
    opsCookieSecret: optional(env, 'OPS_COOKIE_SECRET'),
    /** How often the 5-minute rollups behind the console's charts are brought up to date. */
    opsRollupIntervalMs: int(env, 'OPS_ROLLUP_INTERVAL_MS', 30_000, 100, 3_600_000),
    /** Rows younger than this wait for the next run, so a row committed late is never skipped by the watermark. */
    opsRollupSettleSeconds: int(env, 'OPS_ROLLUP_SETTLE_SECONDS', 30, 0, 3600),
  };
  for (const name of ['REDIS_SENTINELS', 'REDIS_CLUSTER_NODES'] as const) {
    const list = optional(env, name);
    if (list !== undefined && !list.split(',').every((e) => /^[A-Za-z0-9.\-]+:\d{1,5}$/.test(e.trim()))) {
      throw new ConfigError(`${name} is invalid: expected host:port entries separated by commas`);
    }
  }
  if ([config.redisUrl, config.redisSentinels, config.redisClusterNodes].filter(Boolean).length > 1) {
    throw new ConfigError('REDIS_URL, REDIS_SENTINELS and REDIS_CLUSTER_NODES are exclusive: set one');
  }
  if ((config.adminClientId === undefined) !== (config.adminClientSecret === undefined)) {
    throw new ConfigError('ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET must be set together');
  }
  if (config.adminClientSecret !== undefined && config.adminClientSecret.length < 16) {
    throw new ConfigError('ADMIN_CLIENT_SECRET is invalid: expected at least 16 characters');
  }
  if (config.externalJwksUrl && (!config.externalIssuer || !config.externalAudience)) {
    // Without both, any token the IdP ever signed (for any app) would be accepted here.
    throw new ConfigError('EXTERNAL_ISSUER and EXTERNAL_AUDIENCE are required when EXTERNAL_JWKS_URL is set');
  }
  const opsOidc = [config.opsOidcIssuer, config.opsOidcClientId, config.opsOidcClientSecret, config.opsOidcRedirectUrl];
  if (opsOidc.some(Boolean) && !opsOidc.every(Boolean)) {
    throw new ConfigError('OPS_OIDC_ISSUER, OPS_OIDC_CLIENT_ID, OPS_OIDC_CLIENT_SECRET and OPS_OIDC_REDIRECT_URL must be set together');
  }
  if (!/^(admin|operator|viewer)=[^=,|]+(\|[^=,|]+)*(,(admin|operator|viewer)=[^=,|]+(\|[^=,|]+)*)*$/.test(config.opsRoleGroups)) {
    throw new ConfigError('OPS_ROLE_GROUPS is invalid: expected role=group|group entries (roles admin, operator, viewer) separated by commas');
  }
  if (config.opsCookieSecret !== undefined && config.opsCookieSecret.length < 32) {
    throw new ConfigError('OPS_COOKIE_SECRET is invalid: expected at least 32 characters');
  }
  if (config.metricsToken !== undefined && config.metricsToken.length < 16) {
    throw new ConfigError('METRICS_TOKEN is invalid: expected at least 16 characters');
  }
  if (config.identifierHashKey !== undefined && !isBase64Of32Bytes(config.identifierHashKey)) {
    // A short key (e.g. "x") decodes to zero bytes: an HMAC anyone can recompute.
    throw new ConfigError('IDENTIFIER_HASH_KEY is invalid: expected base64 of 32 bytes (openssl rand -base64 32)');
  }
  if (config.nodeEnv === 'production' && (!config.dataKeys || !config.identifierHashKey)) {
    throw new ConfigError('DATA_KEYS and IDENTIFIER_HASH_KEY are required when NODE_ENV=production');
  }
  if (config.nodeEnv === 'production') {
    const secrets = {
      ADMIN_CLIENT_SECRET: config.adminClientSecret,
      OPS_COOKIE_SECRET: config.opsCookieSecret,
      OPS_OIDC_CLIENT_SECRET: config.opsOidcClientSecret,
      METRICS_TOKEN: config.metricsToken,
    };
    for (const [name, value] of Object.entries(secrets)) {
      if (value !== undefined && isDocumentedExample(value))
        throw new ConfigError(`${name} is a documented example value: set a secret of your own when NODE_ENV=production`);
    }
  }
  return config;
}

export type AppConfig = ReturnType<typeof loadConfig>;

/** Injection token for the validated configuration. */
export const APP_CONFIG = Symbol('APP_CONFIG');
