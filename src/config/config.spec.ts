import { ConfigError, loadConfig } from './config';

/** The one line a wrong configuration stops the process with (main.ts prints it). */
function refusal(env: Record<string, string>): string | undefined {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  return undefined;
}

describe('configuration', () => {
  it('starts with no variable set, on the documented defaults', () => {
    const config = loadConfig({});
    expect({ port: config.port, workers: config.workersInProcess, prefix: config.redisPrefix }).toEqual({ port: 3000, workers: true, prefix: 'muwafaqa' });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT="abc" is invalid: expected a whole number from 0 to 65535'],
    [{ WORKERS_IN_PROCESS: 'maybe' }, 'WORKERS_IN_PROCESS="maybe" is invalid: expected true or false'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL is invalid'],
  ])('refuses a malformed value %p naming it', (env, message) => {
    expect(refusal(env)).toContain(message);
  });

  describe('cross-field rules', () => {
    it.each([
      [{ REDIS_URL: 'redis://a:6379', REDIS_CLUSTER_NODES: 'b:7000' }, 'REDIS_URL, REDIS_SENTINELS and REDIS_CLUSTER_NODES are exclusive: set one'],
      [{ REDIS_SENTINELS: 'a:26379', REDIS_CLUSTER_NODES: 'b:7000' }, 'REDIS_URL, REDIS_SENTINELS and REDIS_CLUSTER_NODES are exclusive: set one'],
      [{ REDIS_CLUSTER_NODES: 'b:7000,c' }, 'REDIS_CLUSTER_NODES is invalid: expected host:port entries separated by commas'],
      [{ ADMIN_CLIENT_ID: 'ops' }, 'ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET must be set together'],
      [{ ADMIN_CLIENT_SECRET: 'ops-secret-0123456789' }, 'ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET must be set together'],
      [{ ADMIN_CLIENT_ID: 'ops', ADMIN_CLIENT_SECRET: 'short' }, 'ADMIN_CLIENT_SECRET is invalid: expected at least 16 characters'],
      [
        { EXTERNAL_JWKS_URL: 'https://idp.example/jwks', EXTERNAL_ISSUER: 'https://idp.example' },
        'EXTERNAL_ISSUER and EXTERNAL_AUDIENCE are required when EXTERNAL_JWKS_URL is set',
      ],
      [
        { OPS_OIDC_ISSUER: 'https://idp.example' },
        'OPS_OIDC_ISSUER, OPS_OIDC_CLIENT_ID, OPS_OIDC_CLIENT_SECRET and OPS_OIDC_REDIRECT_URL must be set together',
      ],
      [{ OPS_ROLE_GROUPS: 'root=wheel' }, 'OPS_ROLE_GROUPS is invalid'],
      [{ OPS_COOKIE_SECRET: 'too-short' }, 'OPS_COOKIE_SECRET is invalid: expected at least 32 characters'],
      [{ NODE_ENV: 'production' }, 'DATA_KEYS and IDENTIFIER_HASH_KEY are required when NODE_ENV=production'],
    ])('refuses %p', (env, message) => {
      expect(refusal(env)).toContain(message);
    });

    it('accepts each of them when complete', () => {
      expect(
        refusal({ ADMIN_CLIENT_ID: 'ops', ADMIN_CLIENT_SECRET: 'ops-secret-0123456789', REDIS_SENTINELS: 'a:26379,b:26379', REDIS_SENTINEL_NAME: 'mymaster' }),
      ).toBeUndefined();
      expect(
        refusal({
          OPS_OIDC_ISSUER: 'https://idp.example',
          OPS_OIDC_CLIENT_ID: 'console',
          OPS_OIDC_CLIENT_SECRET: 'secret',
          OPS_OIDC_REDIRECT_URL: 'https://gw.example/ops/callback',
          OPS_ROLE_GROUPS: 'admin=a|b,viewer=c',
        }),
      ).toBeUndefined();
    });
  });
});
