import { Gateway, startGateway } from '../support/gateway';
import { clientToken, createUser, expectCatalogError, onboardSp, sendBody, SpClient } from '../support/clients';
import { RedisNode, startRedisNode } from '../support/redis-topologies';

describe('replay protection while Redis is away', () => {
  let redis: RedisNode;
  let gw: Gateway;
  beforeAll(async () => {
    redis = await startRedisNode();
    gw = await startGateway({ REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await gw?.close().catch(() => undefined);
    await redis?.stop();
  });

  it('accepts a signed send once during the outage, refuses its replay during and after it', async () => {
    const sp = await onboardSp(gw);
    const client = new SpClient(gw, sp);
    await client.tokenPair();
    const user = await createUser(gw);
    const body = sendBody(sp, user);
    const timestamp = Date.now();

    await redis.stop('SIGKILL');
    const first = await client.send(body, { timestamp });
    expect(first.status).toBe(201);
    expectCatalogError(await client.send(body, { timestamp }), 401, 'SEC_1000004');
    // The digest went to Postgres, never the signature itself.
    const records = await gw.db.query(`SELECT caller, digest FROM replay_records`);
    expect(records.rows).toHaveLength(1);
    expect(records.rows[0].caller).toBe(`sp:${sp.clientId}`);

    // Tokens are still issued (the token throttle waits for Redis).
    expect((await clientToken(gw, sp.clientId, sp.clientSecret)).status).toBe(200);

    await redis.restart();
    // Redis never saw the first request: the Postgres record still refuses its replay.
    await new Promise((r) => setTimeout(r, 300));
    expectCatalogError(await client.send(body, { timestamp }), 401, 'SEC_1000004');
    // A new request goes through, and is itself refused when replayed.
    const next = sendBody(sp, user);
    const nextTimestamp = Date.now();
    expect((await client.send(next, { timestamp: nextTimestamp })).status).toBe(201);
    expectCatalogError(await client.send(next, { timestamp: nextTimestamp }), 401, 'SEC_1000004');
    const rows = await gw.db.query(`SELECT count(*)::int AS n FROM consent_transactions`);
    expect(rows.rows[0].n).toBe(2);
  });
});
