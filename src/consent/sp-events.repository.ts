import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { SpEventsPageDto } from './dto/sp-events.dto';

/**
 * An event is listed once it is this old: event ids are taken just before their statement
 * commits, so a younger one might still be invisible while a later id is already listed, and a
 * cursor past it would skip it.
 */
const VISIBLE_AFTER = '1 second';

/** The SP's events feed: its callback outbox rows, with their transaction and event. */
@Injectable()
export class SpEventsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The SP's callback events after a cursor (an event id), in event id (time) order. */
  listAfter(spId: string, after: string | null, limit: number): Promise<SpEventsPageDto['events']> {
    return this.db.query(
      `SELECT o.event_id AS "eventId", o.transaction_id AS "uaePassTransactionID", t.sp_transaction_id AS "spTransactionID",
              COALESCE(e.to_status, o.payload->>'status') AS status,
              to_char(COALESCE(e.at, o.created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS time,
              COALESCE(e.sequence, 0) AS sequence, COALESCE(o.outcome, 'pending') AS delivery
         FROM outbox o
         JOIN consent_transactions t ON t.id = o.transaction_id
         LEFT JOIN consent_events e ON e.transaction_id = o.transaction_id AND e.event_id = o.event_id
        WHERE o.topic = 'callback' AND o.sp_id = $1 AND ($2::uuid IS NULL OR o.event_id > $2::uuid)
          AND o.created_at < now() - interval '${VISIBLE_AFTER}'
        ORDER BY o.event_id
        LIMIT $3`,
      [spId, after, limit],
    );
  }
}
