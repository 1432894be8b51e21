import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { getDataSourceToken } from '@nestjs/typeorm';
import { createUser, onboardSp, sendBody, SpClient } from '../support/clients';
import { Gateway, startGateway } from '../support/gateway';

/**
 * A Postgres connection killed while the gateway holds it between queries (as in a transaction
 * waiting on Redis, or a restart): the process must not die of an unhandled 'error' event.
 */
describe('fault: a pooled connection killed under a checked-out client', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ WORKERS_IN_PROCESS: 'false' });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('keeps the process alive and the next request served', async () => {
    const ds = gw.app.get<DataSource>(getDataSourceToken());
    const pool = (ds.driver as unknown as { master: Pool }).master;
    const client = await pool.connect();
    const [{ pid }] = (await client.query('SELECT pg_backend_pid() AS pid')).rows;
    const unhandled: unknown[] = [];
    const onError = (err: unknown) => unhandled.push(err);
    process.on('uncaughtException', onError);
    try {
      await gw.db.query('SELECT pg_terminate_backend($1)', [pid]);
      await new Promise((r) => setTimeout(r, 300)); // the FATAL message reaches the idle client
      expect(unhandled).toEqual([]);
      client.release(true);

      const sp = await onboardSp(gw);
      const user = await createUser(gw);
      const res = await new SpClient(gw, sp).send(sendBody(sp, user));
      expect(res.status).toBe(201);
    } finally {
      process.off('uncaughtException', onError);
    }
  });
});
