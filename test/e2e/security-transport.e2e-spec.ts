import { signRequest } from '../../src/security/request-signature';
import { consentRowCounts } from '../support/consent-rows';
import { http, SpClient, SpCredentials, startWithSpAndUser } from '../support/clients';
import { Gateway } from '../support/gateway';

const MEDIA_TYPE_ERROR = {
  code: 'REQ_1000003',
  desc: { en: 'Unsupported content type; expected [application/json].', ar: 'نوع المحتوى غير مدعوم؛ المتوقع [application/json].' },
};

/**
 * One transport rule for every signed SP route (the transport check of SpSignatureGuard): a body the signature does not
 * cover is refused with the media-type code, never verified over "".
 */
describe('signed SP routes refuse a body their signature does not cover', () => {
  let gw: Gateway;
  let sp: SpCredentials;
  let client: SpClient;

  beforeAll(async () => {
    ({ gw, sp, client } = await startWithSpAndUser());
  });
  afterAll(async () => {
    await gw?.close();
  });

  async function replayRecords(): Promise<number> {
    return (await gw.redis.keys(`${gw.config.redisPrefix}:{sp:${sp.clientId}}:replay:*`)).length;
  }

  /** A request signed over the empty body, carrying `body` under `contentType`. */
  async function signedOverEmpty(path: string, contentType: string, body: string) {
    const { access_token, id_token } = await client.tokenPair();
    const timestamp = String(Date.now());
    return http(`${gw.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': contentType,
        'x-up-accesstoken': access_token,
        authorization: `Bearer ${id_token}`,
        'x-timestamp': timestamp,
        'x-uaepass-signature': signRequest(sp.signingSecret, timestamp, 'POST', path, ''),
      },
      body,
    });
  }

  it.each([
    ['/api/v1/consent/transaction/receipt', 'application/x-www-form-urlencoded'],
    ['/api/v1/consent/transaction/receipt', 'text/plain'],
    ['/api/v1/consent/transaction/status', 'application/x-www-form-urlencoded'],
    ['/api/v1/consent/transaction/send', 'text/plain'],
  ])('%s answers REQ_1000003 (415) to a %s body signed over "", recording nothing', async (path, contentType) => {
    const before = { rows: await consentRowCounts(gw), replays: await replayRecords() };
    const fields = { spTransactionID: 'tx-form-attack', spId: sp.clientId };
    const body = contentType === 'text/plain' ? JSON.stringify(fields) : new URLSearchParams(fields).toString();
    const res = await signedOverEmpty(path, contentType, body);
    expect({ status: res.status, body: res.body }).toEqual({ status: 415, body: MEDIA_TYPE_ERROR });
    expect({ rows: await consentRowCounts(gw), replays: await replayRecords() }).toEqual(before);
  });

  it('still accepts a JSON body covered by the signature on the same route', async () => {
    const res = await client.post('/api/v1/consent/transaction/receipt', { spTransactionID: 'tx-none', spId: sp.clientId });
    expect(res.body.code).toBe('CONS_1000010');
  });
});
