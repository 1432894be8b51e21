import { Gateway, startGateway } from '../support/gateway';
import { createUser, onboardSp, sendBody, SpClient } from '../support/clients';

describe('smoke: token, send, status', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('sends a consent request and reads its status', async () => {
    const sp = await onboardSp(gw);
    const user = await createUser(gw);
    const client = new SpClient(gw, sp);
    const body = sendBody(sp, user);
    const sent = await client.send(body);
    expect({ status: sent.status, body: sent.body }).toEqual({
      status: 201,
      body: { uaePassTransactionID: expect.any(String), transactionStatus: 'TRIGGERED', spTransactionID: body.spTransactionID },
    });
    const status = await client.status(body.spTransactionID);
    expect(status.status).toBe(200);
    expect(status.body).toEqual({ uaePassTransactionID: sent.body.uaePassTransactionID, spTransactionID: body.spTransactionID, status: 'TRIGGERED' });
  });
});
