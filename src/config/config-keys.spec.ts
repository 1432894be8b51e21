import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from './config';

const key = () => randomBytes(32).toString('base64');
const PRODUCTION = { NODE_ENV: 'production', DATA_KEYS: `k1:${key()}`, IDENTIFIER_HASH_KEY: key() };

describe('configuration of keys and secrets', () => {
  it.each([
    ['x', 'decodes to zero bytes'],
    [randomBytes(16).toString('base64'), '16 bytes'],
    [randomBytes(33).toString('base64'), '33 bytes'],
    [`${key()}!!`, 'junk after the key'],
  ])('refuses IDENTIFIER_HASH_KEY=%s (%s)', (value) => {
    expect(() => loadConfig({ IDENTIFIER_HASH_KEY: value })).toThrow(
      new ConfigError('IDENTIFIER_HASH_KEY is invalid: expected base64 of 32 bytes (openssl rand -base64 32)'),
    );
  });

  it('accepts a 32-byte IDENTIFIER_HASH_KEY in base64 or base64url', () => {
    const bytes = randomBytes(32);
    expect(loadConfig({ IDENTIFIER_HASH_KEY: bytes.toString('base64') }).identifierHashKey).toBe(bytes.toString('base64'));
    expect(() => loadConfig({ IDENTIFIER_HASH_KEY: bytes.toString('base64url') })).not.toThrow();
  });

  it.each([`k1:x`, `k1:${randomBytes(31).toString('base64')}`, `k1:${key()}junk`])('refuses DATA_KEYS=%s', (value) => {
    expect(() => loadConfig({ DATA_KEYS: value })).toThrow(/DATA_KEYS is invalid/);
  });

  it.each(['ADMIN_CLIENT_SECRET', 'METRICS_TOKEN', 'OPS_COOKIE_SECRET'])('refuses the README example secret as %s in production', (name) => {
    const env: Record<string, string> = { ...PRODUCTION, [name]: 'change-me-please-123' };
    if (name === 'ADMIN_CLIENT_SECRET') env.ADMIN_CLIENT_ID = 'admin';
    if (name === 'OPS_COOKIE_SECRET') env[name] = 'change-me-please-123-change-me-please-123';
    expect(() => loadConfig(env)).toThrow(`${name} is a documented example value: set a secret of your own when NODE_ENV=production`);
  });

  it('accepts the example secret outside production (the README quick start) and a real one in production', () => {
    expect(() => loadConfig({ ADMIN_CLIENT_ID: 'admin', ADMIN_CLIENT_SECRET: 'change-me-please-123' })).not.toThrow();
    expect(() => loadConfig({ ...PRODUCTION, ADMIN_CLIENT_ID: 'admin', ADMIN_CLIENT_SECRET: randomBytes(24).toString('base64url') })).not.toThrow();
  });

  it('refuses private egress by default in production only', () => {
    expect(loadConfig(PRODUCTION).egressAllowPrivate).toBe(false);
    expect(loadConfig({}).egressAllowPrivate).toBe(true);
    expect(loadConfig({ EGRESS_ALLOW_HOSTS: 'SP.internal, other.local' }).egressAllowHosts).toEqual(['sp.internal', 'other.local']);
  });
});
