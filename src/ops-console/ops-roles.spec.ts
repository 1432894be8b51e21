import { loadConfig } from '../config/config';
import { roleAllows, roleFromClaims } from './ops-roles';

describe('ops console roles', () => {
  const config = loadConfig({ NODE_ENV: 'test', OPS_ROLE_GROUPS: 'admin=root|sec,operator=ops,viewer=staff' });

  it('grants the strongest role any group maps to', () => {
    expect(roleFromClaims(config, { groups: ['staff', 'ops'] })).toBe('operator');
    expect(roleFromClaims(config, { groups: ['sec'] })).toBe('admin');
    expect(roleFromClaims(config, { groups: 'staff other' })).toBe('viewer');
  });

  it('grants nothing for unknown groups, a missing claim or a wrong type', () => {
    expect(roleFromClaims(config, { groups: ['finance'] })).toBeNull();
    expect(roleFromClaims(config, {})).toBeNull();
    expect(roleFromClaims(config, { groups: 42 })).toBeNull();
  });

  it('orders roles viewer < operator < admin', () => {
    expect(roleAllows('admin', 'operator')).toBe(true);
    expect(roleAllows('operator', 'admin')).toBe(false);
    expect(roleAllows('viewer', 'viewer')).toBe(true);
  });

  it('refuses a malformed OPS_ROLE_GROUPS and a half-configured IdP', () => {
    expect(() => loadConfig({ OPS_ROLE_GROUPS: 'root=x' })).toThrow(/OPS_ROLE_GROUPS/);
    expect(() => loadConfig({ OPS_OIDC_ISSUER: 'https://idp.example' })).toThrow(/must be set together/);
  });
});
