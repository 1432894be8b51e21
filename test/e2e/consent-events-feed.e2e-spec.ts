import { MuwafaqaClient } from '../../sdk/src/client';
import { AppDevice, connectAppDevice } from '../support/app-device';
import { appCall, createUser, http, decide, eventually, expectCatalogError, onboardSp, sendBody, SpClient, SpCredentials, userToken } from '../support/clients';
import { CallbackReceiver } from '../support/fakes/callback-receiver';
import { Gateway, startGateway } from '../support/gateway';

const FEED = '/api/v1/consent/events';

describe('POST /api/v1/consent/events (the SP events feed)', () => {
  let gw: Gateway;
  let receiver: CallbackReceiver;
  let sp: SpCredentials;
  let client: SpClient;
  let other: SpCredentials;
  const devices: AppDevice[] = [];
  const tx: Record<string, { id: string; spTransactionID: string }> = {};

  beforeAll(async () => {
    receiver = await new CallbackReceiver().start();
    gw = await startGateway();
    sp = await onboardSp(gw, { callbackUrl: receiver.url, callbackApiKey: 'feed-key' });
    client = new SpClient(gw, sp);
    other = await onboardSp(gw); // no callback URL: its events are listed as not sent
    const user = await createUser(gw);
    const token = await userToken(gw, user.id);
    devices.push(await connectAppDevice(gw, token));

    const start = async (owner: SpCredentials) => {
      const body = sendBody(owner, user);
      const sent = await new SpClient(gw, owner).send(body);
      return { id: sent.body.uaePassTransactionID as string, spTransactionID: body.spTransactionID };
    };
    tx.accepted = await start(sp);
    await decide(gw, token, tx.accepted.id, { accept: true });
    await receiver.waitFor((c) => c.body.uaePassTransactionID === tx.accepted.id && c.body.status === 'ACCEPTED');
    await appCall(gw, token, 'POST', `/app/v1/consents/${tx.accepted.id}/revoke`);
    tx.rejected = await start(sp);
    await decide(gw, token, tx.rejected.id, { accept: false });
    tx.others = await start(other);
    await decide(gw, token, tx.others.id, { accept: true });
    await receiver.waitFor((c) => c.body.uaePassTransactionID === tx.rejected.id);
    await receiver.waitFor((c) => c.body.status === 'REVOKED');
    await eventually(
      async () => (await gw.db.query(`SELECT count(*)::int AS n FROM outbox WHERE topic = 'callback' AND settled_at IS NULL`)).rows[0].n === 0,
      10_000,
      'every callback settled',
    );
    // Events are listed once they are a second old.
    await new Promise((r) => setTimeout(r, 1100));
  });
  afterAll(async () => {
    devices.forEach((d) => d.close());
    await gw?.close();
    await receiver?.stop();
  });

  it("lists the SP's own events in order with ids, times, sequences and delivery state, and pages with the cursor", async () => {
    const all = await client.post(FEED, { spId: sp.clientId });
    expect(all.status).toBe(200);
    expect(
      all.body.events.map((e: { uaePassTransactionID: string; status: string; sequence: number; delivery: string }) => [
        e.uaePassTransactionID,
        e.status,
        e.sequence,
        e.delivery,
      ]),
    ).toEqual([
      [tx.accepted.id, 'ACCEPTED', 2, 'delivered'],
      [tx.accepted.id, 'REVOKED', 3, 'delivered'],
      [tx.rejected.id, 'REJECTED', 2, 'delivered'],
    ]);
    const first = all.body.events[0];
    expect(first.spTransactionID).toBe(tx.accepted.spTransactionID);
    expect(new Date(first.time).toISOString()).toBe(first.time);
    // The event id is the one the SP's callback carried.
    const cb = receiver.for(tx.accepted.id).find((c) => c.body.status === 'ACCEPTED')!;
    expect(first.eventId).toBe(cb.headers['x-muwafaqa-event-id']);
    expect(all.body).toMatchObject({ next: all.body.events[2].eventId, hasMore: false });

    const page1 = await client.post(FEED, { spId: sp.clientId, limit: 2 });
    expect(page1.body).toMatchObject({ hasMore: true, next: all.body.events[1].eventId });
    const page2 = await client.post(FEED, { spId: sp.clientId, after: page1.body.next, limit: 2 });
    expect(page2.body.events.map((e: { eventId: string }) => e.eventId)).toEqual([all.body.events[2].eventId]);
    const page3 = await client.post(FEED, { spId: sp.clientId, after: page2.body.next });
    expect(page3.body).toEqual({ events: [], next: page2.body.next, hasMore: false });
  });

  it('lists an SP without a callback URL its events as not sent (skipped), and nothing of other SPs', async () => {
    const res = await new SpClient(gw, other).post(FEED, { spId: other.clientId });
    expect(
      res.body.events.map((e: { uaePassTransactionID: string; status: string; delivery: string }) => [e.uaePassTransactionID, e.status, e.delivery]),
    ).toEqual([[tx.others.id, 'ACCEPTED', 'skipped']]);
  });

  it('is also a method of the SDK', async () => {
    const sdk = new MuwafaqaClient({ baseUrl: gw.url, clientId: sp.clientId, clientSecret: sp.clientSecret, signingSecret: sp.signingSecret });
    const page = await sdk.events({ limit: 1 });
    expect(page.events).toHaveLength(1);
    expect(page.events[0]).toMatchObject({ uaePassTransactionID: tx.accepted.id, status: 'ACCEPTED', sequence: 2, delivery: 'delivered' });
    const rest = await sdk.events({ after: page.next! });
    expect(rest.events.map((e) => e.status)).toEqual(['REVOKED', 'REJECTED']);
  });

  it('is in the OpenAPI document with its body and page schemas', async () => {
    const doc = (await http(`${gw.url}/docs-json`)).body;
    const op = doc.paths[FEED].post;
    expect(op.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/SpEventsQueryDto');
    expect(op.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/SpEventsPageDto');
    expect(Object.keys(doc.components.schemas.SpEventDto.properties)).toEqual([
      'eventId',
      'uaePassTransactionID',
      'spTransactionID',
      'status',
      'time',
      'sequence',
      'delivery',
    ]);
  });

  it("answers CONS_1000015 for another SP's feed, CONS_1000012 for an unknown SP, CONS_1000007 for a bad cursor or limit, CONS_1000005 for a bad signature", async () => {
    expectCatalogError(await client.post(FEED, { spId: other.clientId }), 403, 'CONS_1000015');
    expectCatalogError(await client.post(FEED, { spId: 'no-such-sp' }), 404, 'CONS_1000012');
    expectCatalogError(await client.post(FEED, { spId: sp.clientId, after: 'yesterday' }), 400, 'CONS_1000007');
    expectCatalogError(await client.post(FEED, { spId: sp.clientId, limit: 0 }), 400, 'CONS_1000007');
    expectCatalogError(await client.post(FEED, { spId: sp.clientId, limit: 501 }), 400, 'CONS_1000007');
    expectCatalogError(await client.post(FEED, { spId: sp.clientId }, { headers: { 'x-uaepass-signature': 'not-a-signature' } }), 401, 'CONS_1000005');
  });
});
