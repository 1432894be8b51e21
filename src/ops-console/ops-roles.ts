import type { AppConfig } from '../config/config';

/** Console roles, weakest first: viewer reads, operator also retries jobs, admin also rotates SP secrets. */
export const OPS_ROLES = ['viewer', 'operator', 'admin'] as const;
export type OpsRole = (typeof OPS_ROLES)[number];

export function roleAllows(role: OpsRole, needed: OpsRole): boolean {
  return OPS_ROLES.indexOf(role) >= OPS_ROLES.indexOf(needed);
}

/** OPS_ROLE_GROUPS (`admin=g1|g2,operator=g3,viewer=g4`, validated by config) as group → role. */
function groupRoles(config: AppConfig): Map<string, OpsRole> {
  const map = new Map<string, OpsRole>();
  for (const entry of config.opsRoleGroups.split(',')) {
    const [role, groups] = entry.split('=') as [OpsRole, string];
    for (const group of groups.split('|')) {
      const current = map.get(group.trim());
      if (!current || roleAllows(role, current)) map.set(group.trim(), role);
    }
  }
  return map;
}

/**
 * The strongest role any of the account's groups grants, or null (no access). The claim may be
 * a list or a space/comma-separated string, as IdPs differ.
 */
export function roleFromClaims(config: AppConfig, claims: Record<string, unknown>): OpsRole | null {
  const raw = claims[config.opsOidcRolesClaim];
  const groups = Array.isArray(raw) ? raw.filter((g): g is string => typeof g === 'string') : typeof raw === 'string' ? raw.split(/[\s,]+/) : [];
  const roles = groupRoles(config);
  let best: OpsRole | null = null;
  for (const g of groups) {
    const role = roles.get(g);
    if (role && (!best || roleAllows(role, best))) best = role;
  }
  return best;
}
