/**
 * The consent lifecycle: the one place that says which status may follow which.
 * ConsentTransitions (consent-transitions.service.ts) is the only code that writes a status,
 * and it asks `canTransition` first, in the same SQL statement that appends the event.
 */
export const CONSENT_STATUSES = ['TRIGGERED', 'ACCEPTED', 'REJECTED', 'INIT_FAILED', 'EXPIRED', 'CANCELLED', 'REVOKED'] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];

export const TRANSITIONS: Readonly<Record<ConsentStatus, readonly ConsentStatus[]>> = {
  TRIGGERED: ['ACCEPTED', 'REJECTED', 'EXPIRED', 'CANCELLED', 'INIT_FAILED'],
  ACCEPTED: ['REVOKED'],
  REJECTED: [],
  INIT_FAILED: [],
  EXPIRED: [],
  CANCELLED: [],
  REVOKED: [],
};

/** Statuses the SP is called back for. CANCELLED is the SP's own act, so it is not echoed back. */
export const CALLBACK_STATUSES: readonly ConsentStatus[] = ['ACCEPTED', 'REJECTED', 'EXPIRED', 'INIT_FAILED', 'REVOKED'];

export function canTransition(from: ConsentStatus, to: ConsentStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The statuses from which `to` can be reached. */
export function sourcesOf(to: ConsentStatus): ConsentStatus[] {
  return CONSENT_STATUSES.filter((from) => canTransition(from, to));
}

/**
 * The one rule for "overdue": a pending request past its expiry. In SQL over a
 * consent_transactions row (`alias` qualifies its columns); the sweeper records these as EXPIRED.
 */
export function overduePendingSql(alias?: string): string {
  const col = (name: string) => (alias ? `${alias}.${name}` : name);
  return `${col('status')} = 'TRIGGERED' AND ${col('expires_at')} <= now()`;
}

/**
 * The status everyone reads (SP, user, ops), in SQL over a consent_transactions row: an overdue
 * pending request is EXPIRED even before the sweeper records it, so status, repeat sends, cancel
 * and the user's app agree.
 */
export function effectiveStatusSql(alias?: string): string {
  return `CASE WHEN ${overduePendingSql(alias)} THEN 'EXPIRED' ELSE ${alias ? `${alias}.status` : 'status'} END`;
}

/** effectiveStatusSql() over unqualified columns (the text of the prepared status lookup). */
export const EFFECTIVE_STATUS_SQL = effectiveStatusSql();

export function isPending(status: ConsentStatus): boolean {
  return status === 'TRIGGERED';
}

/** True when a sequence of events is a legal walk from creation (used by the consistency checker). */
export function isLegalPath(statuses: readonly ConsentStatus[]): boolean {
  if (statuses[0] !== 'TRIGGERED') return false;
  for (let i = 1; i < statuses.length; i++) if (!canTransition(statuses[i - 1], statuses[i])) return false;
  return true;
}
