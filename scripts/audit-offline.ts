/**
 * `npm run audit:offline`: checks package-lock.json against the advisory snapshot committed in
 * security/advisories.json, with no network. CI runs it on every build; the snapshot is refreshed
 * where the registry's audit endpoint is reachable:
 *
 *   npm audit --json | npm run audit:offline -- --update
 *
 * Exits 1 when a locked package version falls in an advisory's range at or above `--level`
 * (default moderate), 0 otherwise. `--max-age-days N` also fails on a snapshot older than N days.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// semver ships no types; only `satisfies` is used.
const semver: { satisfies(version: string, range: string, options?: { includePrerelease?: boolean }): boolean } = require('semver');

export const SEVERITIES = ['info', 'low', 'moderate', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Advisory {
  id: string | number;
  title: string;
  url: string;
  severity: Severity;
  /** npm range of affected versions, e.g. `<4.17.21` or `>=1.0.0 <1.2.6`. */
  vulnerable_versions: string;
}

export interface AdvisorySnapshot {
  generatedAt: string | null;
  source: string;
  advisories: Record<string, Advisory[]>;
}

export interface Finding {
  name: string;
  version: string;
  path: string;
  advisory: Advisory;
}

interface Lockfile {
  packages?: Record<string, { version?: string; link?: boolean }>;
}

/** Every installed package of the lockfile (v2/v3) with the advisories its version falls in. */
export function findVulnerable(lock: Lockfile, snapshot: AdvisorySnapshot, level: Severity = 'moderate'): Finding[] {
  const floor = SEVERITIES.indexOf(level);
  const findings: Finding[] = [];
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (!path || entry.link || !entry.version) continue; // the root project, workspace links
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    for (const advisory of snapshot.advisories[name] ?? []) {
      if (SEVERITIES.indexOf(advisory.severity) < floor) continue;
      if (semver.satisfies(entry.version, advisory.vulnerable_versions, { includePrerelease: true }))
        findings.push({ name, version: entry.version, path, advisory });
    }
  }
  return findings;
}

interface NpmAuditVia {
  source?: number;
  name?: string;
  title?: string;
  url?: string;
  severity?: Severity;
  range?: string;
}

/** The snapshot from `npm audit --json` (npm 7+): each advisory object under `vulnerabilities[*].via`. */
export function snapshotFromNpmAudit(report: { vulnerabilities?: Record<string, { via?: (NpmAuditVia | string)[] }> }, now = new Date()): AdvisorySnapshot {
  const advisories: Record<string, Advisory[]> = {};
  for (const vulnerability of Object.values(report.vulnerabilities ?? {})) {
    for (const via of vulnerability.via ?? []) {
      if (typeof via === 'string' || !via.name || !via.range || via.source === undefined) continue;
      const list = (advisories[via.name] ??= []);
      if (list.some((a) => a.id === via.source)) continue;
      list.push({ id: via.source, title: via.title ?? '', url: via.url ?? '', severity: via.severity ?? 'moderate', vulnerable_versions: via.range });
    }
  }
  return { generatedAt: now.toISOString(), source: 'npm audit --json', advisories };
}

function main(argv: string[]): number {
  const root = join(__dirname, '..');
  const snapshotFile = join(root, 'security', 'advisories.json');
  if (argv.includes('--update')) {
    const report = JSON.parse(readFileSync(0, 'utf8')) as Parameters<typeof snapshotFromNpmAudit>[0] & { error?: unknown };
    if (report.error || !report.vulnerabilities) throw new Error('stdin is not a successful `npm audit --json` report');
    writeFileSync(snapshotFile, `${JSON.stringify(snapshotFromNpmAudit(report), null, 2)}\n`);
    process.stdout.write(`audit:offline: wrote ${snapshotFile}\n`);
    return 0;
  }
  const level = (argv[argv.indexOf('--level') + 1] ?? 'moderate') as Severity;
  const snapshot = JSON.parse(readFileSync(snapshotFile, 'utf8')) as AdvisorySnapshot;
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as Lockfile;
  const findings = findVulnerable(lock, snapshot, argv.includes('--level') ? level : 'moderate');
  for (const f of findings) process.stdout.write(`${f.advisory.severity}\t${f.name}@${f.version}\t${f.advisory.title}\t${f.advisory.url}\t(${f.path})\n`);
  const maxAge = argv.includes('--max-age-days') ? Number(argv[argv.indexOf('--max-age-days') + 1]) : undefined;
  const ageDays = snapshot.generatedAt ? (Date.now() - Date.parse(snapshot.generatedAt)) / 86_400_000 : Infinity;
  if (maxAge !== undefined && ageDays > maxAge) {
    process.stdout.write(
      `audit:offline: the advisory snapshot is older than ${maxAge} days; refresh it (npm audit --json | npm run audit:offline -- --update)\n`,
    );
    return 1;
  }
  process.stdout.write(
    `audit:offline: ${findings.length} vulnerable package version(s) in package-lock.json (snapshot ${snapshot.generatedAt ?? 'never refreshed'})\n`,
  );
  return findings.length ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
