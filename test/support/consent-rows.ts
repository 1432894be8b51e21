import type { Gateway } from './gateway';

/** Row counts of every table a consent request writes, to prove a refused request wrote nothing. */
export interface ConsentRowCounts {
  consent_transactions: number;
  consent_documents: number;
  consent_events: number;
  outbox: number;
}

export async function consentRowCounts(gw: Gateway): Promise<ConsentRowCounts> {
  const { rows } = await gw.db.query(
    `SELECT (SELECT count(*) FROM consent_transactions)::int AS consent_transactions,
            (SELECT count(*) FROM consent_documents)::int AS consent_documents,
            (SELECT count(*) FROM consent_events)::int AS consent_events,
            (SELECT count(*) FROM outbox)::int AS outbox`,
  );
  return rows[0];
}

/** Polls `probe` until it answers a truthy value, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
