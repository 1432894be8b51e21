import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, standardWebhookHeaders } from './standard-webhooks';

describe('standardWebhookHeaders', () => {
  it('signs so that the standardwebhooks package verifies, and nothing else', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const body = JSON.stringify({ spTransactionID: 'tx-1', status: 'ACCEPTED', uaePassTransactionID: '0197a3bf-0000-7000-8000-000000000000' });
    const headers = standardWebhookHeaders(secret, 'evt-1', body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace('ACCEPTED', 'REJECTED'), headers)).toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
  });
});
