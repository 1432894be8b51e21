import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Events with an identity that outlives the database: every outbox row gets a UUIDv7 event id
 * (its BullMQ job id derives from it, so a reset or restored database behind the same Redis
 * never reuses a finished job's id), a callback row also the SP it concerns and its delivery
 * state (settled_at, outcome), and every consent event its id and its per-transaction sequence.
 * An SP may have a Standard Webhooks secret.
 */
export class DeliveryEvents1764500000000 implements MigrationInterface {
  name = 'DeliveryEvents1764500000000';

  async up(q: QueryRunner): Promise<void> {
    // A volatile default fills every existing row with its own id.
    await q.query(`ALTER TABLE outbox ADD COLUMN event_id uuid NOT NULL DEFAULT consent_uuid_v7()`);
    await q.query(`ALTER TABLE outbox ADD CONSTRAINT outbox_event_id UNIQUE (event_id)`);
    await q.query(`ALTER TABLE outbox ADD COLUMN sp_id text`);
    await q.query(`ALTER TABLE outbox ADD COLUMN settled_at timestamptz`);
    await q.query(`ALTER TABLE outbox ADD COLUMN outcome text CHECK (outcome IN ('delivered','failed','skipped'))`);
    await q.query(`UPDATE outbox o SET sp_id = t.sp_id FROM consent_transactions t WHERE t.id = o.transaction_id AND o.topic = 'callback'`);
    // Jobs relayed before this migration are named outbox-<id>, which the new workers do not
    // take. What they may not have finished is relayed again under the new ids: callbacks of the
    // last day with no delivered attempt, pushes of requests still pending that reached no device.
    await q.query(`
      UPDATE outbox o SET dispatched_at = NULL
       WHERE o.dispatched_at IS NOT NULL
         AND CASE o.topic
               WHEN 'callback' THEN o.created_at > now() - interval '1 day'
                 AND NOT EXISTS (SELECT 1 FROM callback_attempts a
                                  WHERE a.transaction_id = o.transaction_id AND a.status = o.payload->>'status' AND a.delivered)
               ELSE EXISTS (SELECT 1 FROM consent_transactions t WHERE t.id = o.transaction_id AND t.status = 'TRIGGERED' AND t.expires_at > now())
                 AND NOT EXISTS (SELECT 1 FROM notification_attempts a WHERE a.transaction_id = o.transaction_id AND a.outcome = 'delivered')
             END`);
    // The rest is done: settled, so no later event of their transaction waits for them.
    await q.query(`
      UPDATE outbox o SET settled_at = o.dispatched_at,
             outcome = CASE
               WHEN EXISTS (SELECT 1 FROM callback_attempts a WHERE a.transaction_id = o.transaction_id AND a.status = o.payload->>'status' AND a.delivered) THEN 'delivered'
               WHEN EXISTS (SELECT 1 FROM callback_attempts a WHERE a.transaction_id = o.transaction_id AND a.status = o.payload->>'status') THEN 'failed'
               ELSE 'skipped' END
       WHERE o.dispatched_at IS NOT NULL AND o.topic = 'callback'`);
    await q.query(`UPDATE outbox SET settled_at = dispatched_at WHERE dispatched_at IS NOT NULL AND topic = 'push'`);
    // The SP's events feed: its callback events in id (time) order.
    await q.query(`CREATE INDEX outbox_sp_events ON outbox (sp_id, event_id) WHERE topic = 'callback'`);

    // The per-transaction count of events: the UPDATE that moves the status also numbers the event.
    await q.query(`ALTER TABLE consent_transactions ADD COLUMN event_seq integer NOT NULL DEFAULT 1`);
    await q.query(`UPDATE consent_transactions t SET event_seq = e.n FROM (SELECT transaction_id, count(*)::int AS n FROM consent_events GROUP BY 1) e
                    WHERE e.transaction_id = t.id AND e.n > 1`);
    // Events written before this migration keep a NULL id (the append-only log is not rewritten).
    await q.query(`ALTER TABLE consent_events ADD COLUMN event_id uuid`);
    await q.query(`ALTER TABLE consent_events ALTER COLUMN event_id SET DEFAULT consent_uuid_v7()`);
    await q.query(`ALTER TABLE consent_events ADD COLUMN sequence integer NOT NULL DEFAULT 1`);

    // Per SP, optional Standard Webhooks signing of callbacks (the whsec_ secret, encrypted like the others).
    await q.query(`ALTER TABLE service_providers ADD COLUMN webhook_secret_enc text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE service_providers DROP COLUMN webhook_secret_enc`);
    await q.query(`ALTER TABLE consent_events DROP COLUMN sequence`);
    await q.query(`ALTER TABLE consent_events DROP COLUMN event_id`);
    await q.query(`ALTER TABLE consent_transactions DROP COLUMN event_seq`);
    await q.query(`DROP INDEX outbox_sp_events`);
    for (const c of ['outcome', 'settled_at', 'sp_id', 'event_id']) await q.query(`ALTER TABLE outbox DROP COLUMN ${c}`);
  }
}
