import type { ConsentStatus } from './consent-state-machine';

/** A pg Pool/Client (answers `{ rows }`) or a TypeORM DataSource (answers the rows). */
export interface SqlRunner {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** A transaction with its event chain. */
export interface ChainRow {
  id: string;
  status: ConsentStatus;
  has_documents: boolean;
  /** Answered from a standing consent: accepted at once, so never pushed. */
  from_standing: boolean;
  callback_url: string | null;
  tos: ConsentStatus[] | null;
  froms: (ConsentStatus | null)[] | null;
}

/** An outbox row with what its delivery should have left behind. */
export interface OutboxCheckRow {
  id: string;
  event_id: string;
  topic: 'push' | 'callback';
  transaction_id: string;
  status: ConsentStatus | null;
  dispatched: boolean;
  age_seconds: number;
  tx_status: ConsentStatus | null;
  callback_url: string | null;
  has_attempt: boolean;
}

/**
 * The consistency check's reads (consistency-checker.ts): they join every family a send and a
 * decision write (transactions, documents, events, outbox, attempts, SPs). Not a Nest provider:
 * the operators' script runs it over a plain pg Pool, the tests over the app's DataSource.
 */
export class ConsistencyCheckRepository {
  constructor(private readonly db: SqlRunner) {}

  /** Each transaction created since `since`, with its SP's callback URL and its events' statuses in order. */
  transactionChains(since: Date): Promise<ChainRow[]> {
    return this.rows<ChainRow>(
      `SELECT t.id, t.status, sp.callback_url, t.standing_consent_id IS NOT NULL AS from_standing,
              EXISTS (SELECT 1 FROM consent_documents d WHERE d.transaction_id = t.id) AS has_documents,
              array_agg(e.to_status ORDER BY e.id) FILTER (WHERE e.id IS NOT NULL) AS tos,
              array_agg(e.from_status ORDER BY e.id) FILTER (WHERE e.id IS NOT NULL) AS froms
         FROM consent_transactions t
         JOIN service_providers sp ON sp.client_id = t.sp_id
         LEFT JOIN consent_events e ON e.transaction_id = t.id
        WHERE t.created_at >= $1
        GROUP BY t.id, t.status, sp.callback_url, t.standing_consent_id`,
      [since],
    );
  }

  /** Each outbox row created since `since`, with whether an attempt was recorded for it. */
  outboxRows(since: Date): Promise<OutboxCheckRow[]> {
    return this.rows<OutboxCheckRow>(
      `SELECT o.id::text, o.topic, o.event_id, o.transaction_id, o.payload->>'status' AS status,
              o.dispatched_at IS NOT NULL AS dispatched,
              extract(epoch FROM now() - o.created_at)::float8 AS age_seconds,
              t.status AS tx_status, sp.callback_url,
              CASE o.topic
                WHEN 'push' THEN EXISTS (SELECT 1 FROM notification_attempts a WHERE a.transaction_id = o.transaction_id)
                ELSE EXISTS (SELECT 1 FROM callback_attempts a WHERE a.transaction_id = o.transaction_id AND a.status = o.payload->>'status')
              END AS has_attempt
         FROM outbox o
         LEFT JOIN consent_transactions t ON t.id = o.transaction_id
         LEFT JOIN service_providers sp ON sp.client_id = t.sp_id
        WHERE o.created_at >= $1`,
      [since],
    );
  }

  private async rows<T>(sql: string, params: unknown[]): Promise<T[]> {
    const result = (await this.db.query(sql, params)) as T[] | { rows: T[] };
    return Array.isArray(result) ? result : result.rows;
  }
}
