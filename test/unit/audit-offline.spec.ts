import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AdvisorySnapshot, findVulnerable, snapshotFromNpmAudit } from '../../scripts/audit-offline';

const lock = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package-lock.json'), 'utf8'));
const locked = (name: string): string => lock.packages[`node_modules/${name}`].version;

function snapshot(advisories: AdvisorySnapshot['advisories']): AdvisorySnapshot {
  return { generatedAt: '2026-12-01T00:00:00.000Z', source: 'test', advisories };
}

describe('npm run audit:offline (package-lock.json against the committed advisory snapshot)', () => {
  const advisory = { id: 1, title: 'Prototype pollution', url: 'https://github.com/advisories/GHSA-test', severity: 'high' as const };

  it('reports a locked version inside an advisory range, with where it is installed', () => {
    const findings = findVulnerable(lock, snapshot({ axios: [{ ...advisory, vulnerable_versions: `<=${locked('axios')}` }] }));
    expect(findings).toEqual([{ name: 'axios', version: locked('axios'), path: 'node_modules/axios', advisory: expect.objectContaining({ id: 1 }) }]);
  });

  it('ignores versions outside the range and advisories below the level', () => {
    expect(findVulnerable(lock, snapshot({ axios: [{ ...advisory, vulnerable_versions: '<0.1.0' }] }))).toEqual([]);
    expect(findVulnerable(lock, snapshot({ axios: [{ ...advisory, severity: 'low', vulnerable_versions: '*' }] }))).toEqual([]);
    expect(findVulnerable(lock, snapshot({ axios: [{ ...advisory, severity: 'low', vulnerable_versions: '*' }] }), 'low')).toHaveLength(1);
  });

  it('passes on the committed snapshot (the lockfile has no known advisory)', () => {
    const committed = JSON.parse(readFileSync(join(__dirname, '..', '..', 'security', 'advisories.json'), 'utf8'));
    expect(findVulnerable(lock, committed)).toEqual([]);
  });

  it('builds the snapshot from `npm audit --json`', () => {
    const report = {
      vulnerabilities: {
        jose: {
          via: [{ source: 1099, name: 'jose', title: 'DoS', url: 'https://github.com/advisories/GHSA-x', severity: 'moderate', range: '>=3.0.0 <4.15.5' }],
        },
        parent: { via: ['jose'] },
      },
    };
    const built = snapshotFromNpmAudit(report as never, new Date('2026-12-01T00:00:00Z'));
    expect(built).toEqual({
      generatedAt: '2026-12-01T00:00:00.000Z',
      source: 'npm audit --json',
      advisories: {
        jose: [{ id: 1099, title: 'DoS', url: 'https://github.com/advisories/GHSA-x', severity: 'moderate', vulnerable_versions: '>=3.0.0 <4.15.5' }],
      },
    });
    expect(findVulnerable(lock, built)).toEqual([]); // jose is locked at 5.x, outside the range
  });
});
