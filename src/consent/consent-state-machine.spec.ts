import {
  CALLBACK_STATUSES,
  canTransition,
  CONSENT_STATUSES,
  ConsentStatus,
  EFFECTIVE_STATUS_SQL,
  effectiveStatusSql,
  isLegalPath,
  isPending,
  sourcesOf,
} from './consent-state-machine';

/** The lifecycle (docs/consent-api.md), written out as the table the state machine must equal. */
const ALLOWED: ReadonlyArray<[ConsentStatus, ConsentStatus]> = [
  ['TRIGGERED', 'ACCEPTED'],
  ['TRIGGERED', 'REJECTED'],
  ['TRIGGERED', 'EXPIRED'],
  ['TRIGGERED', 'CANCELLED'],
  ['TRIGGERED', 'INIT_FAILED'],
  ['ACCEPTED', 'REVOKED'],
];

const allPairs = CONSENT_STATUSES.flatMap((from) => CONSENT_STATUSES.map((to) => [from, to] as [ConsentStatus, ConsentStatus]));
const isAllowed = (from: ConsentStatus, to: ConsentStatus) => ALLOWED.some(([f, t]) => f === from && t === to);

describe('consent state machine', () => {
  it.each(ALLOWED)('allows %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it.each(allPairs.filter(([f, t]) => !isAllowed(f, t)))('refuses %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });

  it('has no other transitions than the design lists (42 refused of 49)', () => {
    expect(allPairs.filter(([f, t]) => canTransition(f, t)).sort()).toEqual([...ALLOWED].sort());
  });

  it('answers the sources of each status', () => {
    expect(sourcesOf('ACCEPTED')).toEqual(['TRIGGERED']);
    expect(sourcesOf('REVOKED')).toEqual(['ACCEPTED']);
    expect(sourcesOf('TRIGGERED')).toEqual([]);
    for (const to of ['REJECTED', 'EXPIRED', 'CANCELLED', 'INIT_FAILED'] as const) expect(sourcesOf(to)).toEqual(['TRIGGERED']);
  });

  it('treats only TRIGGERED as pending', () => {
    expect(CONSENT_STATUSES.filter(isPending)).toEqual(['TRIGGERED']);
  });

  it('calls the SP back for every outcome except its own cancellation', () => {
    expect([...CALLBACK_STATUSES].sort()).toEqual(['ACCEPTED', 'EXPIRED', 'INIT_FAILED', 'REJECTED', 'REVOKED']);
  });

  describe('isLegalPath', () => {
    it.each<[ConsentStatus[]]>([
      [['TRIGGERED']],
      [['TRIGGERED', 'ACCEPTED']],
      [['TRIGGERED', 'ACCEPTED', 'REVOKED']],
      [['TRIGGERED', 'REJECTED']],
      [['TRIGGERED', 'EXPIRED']],
      [['TRIGGERED', 'CANCELLED']],
      [['TRIGGERED', 'INIT_FAILED']],
    ])('accepts %j', (path) => {
      expect(isLegalPath(path)).toBe(true);
    });

    it.each<[ConsentStatus[]]>([
      [[]],
      [['ACCEPTED']],
      [['TRIGGERED', 'TRIGGERED']],
      [['TRIGGERED', 'REVOKED']],
      [['TRIGGERED', 'ACCEPTED', 'REJECTED']],
      [['TRIGGERED', 'EXPIRED', 'ACCEPTED']],
      [['TRIGGERED', 'CANCELLED', 'TRIGGERED']],
      [['TRIGGERED', 'ACCEPTED', 'REVOKED', 'ACCEPTED']],
    ])('refuses %j', (path) => {
      expect(isLegalPath(path)).toBe(false);
    });
  });

  describe('effective status in SQL', () => {
    it('keeps the text of the prepared status lookup (a named statement must not change text)', () => {
      expect(EFFECTIVE_STATUS_SQL).toBe(`CASE WHEN status = 'TRIGGERED' AND expires_at <= now() THEN 'EXPIRED' ELSE status END`);
    });

    it('qualifies every column with the alias', () => {
      expect(effectiveStatusSql('t')).toBe(`CASE WHEN t.status = 'TRIGGERED' AND t.expires_at <= now() THEN 'EXPIRED' ELSE t.status END`);
    });
  });
});
