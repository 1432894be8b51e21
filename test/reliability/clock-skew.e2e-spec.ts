import { createUser, expectCatalogError, onboardSp, sendBody, SpClient, SpCredentials } from '../support/clients';
import { Gateway, startGateway } from '../support/gateway';

/**
 * X-Timestamp at the very edge of the window. The server's clock is pinned (Date.now) for the
 * length of each request, so "exactly 300 s away" is exact rather than a race with the wall clock.
 */
describe('fault: clock skew between the SP and the gateway', () => {
  let gw: Gateway;
  let sp: SpCredentials;
  let client: SpClient;
  const windowMs = 300_000;

  beforeAll(async () => {
    gw = await startGateway({ SIGNATURE_WINDOW_SECONDS: '300' });
    sp = await onboardSp(gw);
    client = new SpClient(gw, sp);
    await client.tokenPair();
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await gw?.close();
  });

  /** Sends with X-Timestamp = server clock + `skewMs`, the server clock held still meanwhile. */
  async function atSkew<T>(skewMs: number, call: (timestamp: number) => Promise<T>): Promise<T> {
    const now = Date.now();
    const spy = jest.spyOn(Date, 'now').mockReturnValue(now);
    try {
      return await call(now + skewMs);
    } finally {
      spy.mockRestore();
    }
  }

  it.each([
    ['exactly the window behind', -windowMs],
    ['exactly the window ahead', windowMs],
  ])('accepts a timestamp %s', async (_label, skew) => {
    const res = await atSkew(skew, (timestamp) => client.status('no-such-transaction', { timestamp }));
    // Past the signature check: the answer is about the transaction, not the clock.
    expectCatalogError(res, 404, 'CONS_1000010');
  });

  it.each([
    ['one millisecond too old', -windowMs - 1],
    ['one millisecond too far ahead', windowMs + 1],
  ])('refuses a timestamp %s with SEC_1000003, writing nothing', async (_label, skew) => {
    const user = await createUser(gw);
    const body = sendBody(sp, user);
    const res = await atSkew(skew, (timestamp) => client.send(body, { timestamp }));
    expectCatalogError(res, 401, 'SEC_1000003');
    expect(res.body.desc.en).toContain('300');
    const rows = await gw.db.query(`SELECT 1 FROM consent_transactions WHERE sp_transaction_id = $1`, [body.spTransactionID]);
    expect(rows.rowCount).toBe(0);
  });

  it('creates a transaction from a send signed exactly at the edge', async () => {
    const user = await createUser(gw);
    const res = await atSkew(-windowMs, (timestamp) => client.send(sendBody(sp, user), { timestamp }));
    expect(res.status).toBe(201);
  });
});
