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
