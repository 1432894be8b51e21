import { AddressInfo, createServer } from 'node:net';
import webpush from 'web-push';
import { loadConfig } from '../../config/config';
import { WebPushProvider } from './webpush.provider';

describe('WebPushProvider and the push-service allow-list', () => {
  it('drops a stored subscription whose endpoint is not a known push service, without connecting to it', async () => {
    let connections = 0;
    const server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = (server.address() as AddressInfo).port;
    const vapid = webpush.generateVAPIDKeys();
    const provider = new WebPushProvider(
      loadConfig({ VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey, VAPID_SUBJECT: 'mailto:ops@example.org' }),
    );
    // A row registered before the allow-list existed, pointing inside.
    const keys = { p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM', auth: 'tBHItJI5svbpez7KI4CCXg' };
    try {
      const outcome = await provider.send(
        {
          id: 'd1',
          userId: 'u1',
          platform: 'webpush',
          pushToken: JSON.stringify({ endpoint: `https://127.0.0.1:${port}/push`, keys }),
          locale: 'en',
          createdAt: new Date(),
        },
        { transactionId: '0193a8f0-0000-7000-8000-000000000000', title: 't', body: 'b', lang: 'en' },
      );
      expect(outcome).toEqual({ outcome: 'unregistered', detail: 'not a known push service' });
      expect(connections).toBe(0);
    } finally {
      server.close();
    }
  });
});
