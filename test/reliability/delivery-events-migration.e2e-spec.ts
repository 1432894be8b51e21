import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { DeliveryEvents1764500000000 } from '../../migrations/1764500000000-DeliveryEvents';
import { dataSourceOptions } from '../../src/database/database.options';
import { AppDevice, connectAppDevice } from '../support/app-device';
import { createUser, decide, eventually, onboardSp, sendBody, SpClient, userToken } from '../support/clients';
import { CallbackReceiver } from '../support/fakes/callback-receiver';
import { createTestDatabase, dropTestDatabase, startGateway } from '../support/gateway';

/**
 * Upgrading a running system: jobs relayed before the DeliveryEvents migration are named
 * outbox-<id>, which the new workers do not take. The migration relays again what may not be
 * finished, and settles the rest so no later event waits for it.
 */
describe('the DeliveryEvents migration on a database with history', () => {
  it('re-relays unfinished pushes and callbacks under new event ids and settles the finished ones', async () => {
    const receiver = await new CallbackReceiver().start();
    const databaseUrl = await createTestDatabase();
    const devices: AppDevice[] = [];
    const env = { REDIS_PREFIX: `mwqtest:migr:${Date.now().toString(36)}` };
    try {
      const gw = await startGateway(env, databaseUrl);
      const sp = await onboardSp(gw, { callbackUrl: receiver.url, callbackApiKey: 'migration-key' });
      const client = new SpClient(gw, sp);
      const user = await createUser(gw);
      const token = await userToken(gw, user.id);
      devices.push(await connectAppDevice(gw, token));
      const send = async () => (await client.send(sendBody(sp, user))).body.uaePassTransactionID as string;
      const [accepted, pending, rejected] = [await send(), await send(), await send()];
      await decide(gw, token, accepted, { accept: true });
      await decide(gw, token, rejected, { accept: false });
      await receiver.waitFor((c) => c.body.uaePassTransactionID === accepted);
      await receiver.waitFor((c) => c.body.uaePassTransactionID === rejected);
      await eventually(
        async () => (await gw.db.query(`SELECT count(*)::int AS n FROM notification_attempts WHERE transaction_id = $1`, [pending])).rows[0].n > 0,
      );
      devices.forEach((d) => d.close());
      await gw.close();

      // Back to the schema before the migration, as if these had run on the old version; the
      // push of `pending` and the callback of `rejected` were still in flight (no record yet).
      const ds = new DataSource(dataSourceOptions({ databaseUrl, databaseSchema: undefined, databasePoolSize: 2 }));
      await ds.initialize();
      // Revert DeliveryEvents and every migration after it.
      for (let i = MIGRATIONS.indexOf(DeliveryEvents1764500000000); i < MIGRATIONS.length; i++) await ds.undoLastMigration();
      await ds.query(`DELETE FROM notification_attempts WHERE transaction_id = $1`, [pending]);
      await ds.query(`DELETE FROM callback_attempts WHERE transaction_id = $1`, [rejected]);
      await ds.runMigrations();
      const rows = (
        await ds.query(`SELECT transaction_id, topic, dispatched_at IS NOT NULL AS dispatched, outcome, event_id IS NOT NULL AS has_id FROM outbox ORDER BY id`)
      ).map((r: { transaction_id: string; topic: string; dispatched: boolean; outcome: string | null; has_id: boolean }) => [
        [accepted, pending, rejected].indexOf(r.transaction_id),
        r.topic,
        r.dispatched,
        r.outcome,
        r.has_id,
      ]);
      await ds.destroy();
      expect(rows).toEqual(
        expect.arrayContaining([
          [0, 'push', true, null, true],
          [1, 'push', false, null, true],
          [2, 'push', true, null, true],
          [0, 'callback', true, 'delivered', true],
          [2, 'callback', false, null, true],
        ]),
      );

      // The upgraded gateway delivers what was in flight.
      const upgraded = await startGateway(env, databaseUrl);
      try {
        devices.push(await connectAppDevice(upgraded, token));
        await receiver.waitFor((c) => c.body.uaePassTransactionID === rejected && receiver.for(rejected).length === 2, 10_000);
        await eventually(
          async () =>
            (await upgraded.db.query(`SELECT count(*)::int AS n FROM notification_attempts WHERE transaction_id = $1 AND outcome = 'delivered'`, [pending]))
              .rows[0].n > 0,
          10_000,
          'the pending push delivered',
        );
        expect(receiver.for(accepted)).toHaveLength(1);
      } finally {
        devices.forEach((d) => d.close());
        await upgraded.close();
      }
    } finally {
      await receiver.stop();
      await dropTestDatabase(databaseUrl);
    }
  });
});
