import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { loadConfig } from '../config/config';
import { checkEgressUrl, isAllowedPushEndpoint, egressPost, EgressRefused, isForbiddenAddress, pinnedLookup, resolveEgress } from './egress-policy';

const PRODUCTION = { requireHttps: true, allowPrivate: false, allowHosts: [] };
const STRICT_HTTP = { requireHttps: false, allowPrivate: false, allowHosts: [] };

describe('egress policy', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    'fc12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:169.254.169.254',
    '::ffff:a00:1',
  ])('refuses %s', (address) => expect(isForbiddenAddress(address)).toBe(true));

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2001:4860:4860::8888', '::ffff:8.8.8.8', '::ffff:808:808'])(
    'allows the public address %s',
    (address) => expect(isForbiddenAddress(address)).toBe(false),
  );

  it('requires https in production, refuses credentials without echoing them, and literal inside addresses', () => {
    expect(checkEgressUrl('http://sp.example/cb', PRODUCTION)?.reason).toBe('https is required');
    const creds = checkEgressUrl('https://admin:hunter2@sp.example/cb', PRODUCTION);
    expect(creds?.reason).toBe('credentials in the URL are not accepted');
    expect(JSON.stringify(creds)).not.toContain('hunter2');
    for (const url of [
      'https://127.0.0.1/cb',
      'https://[::1]:8443/cb',
      'https://169.254.169.254/latest/meta-data',
      'https://localhost/cb',
      'https://[::ffff:10.0.0.1]/',
    ])
      expect(checkEgressUrl(url, PRODUCTION)?.reason).toBe('the destination is a private, loopback or link-local address');
    expect(checkEgressUrl('https://sp.example/cb', PRODUCTION)).toBeNull();
    expect(checkEgressUrl('ftp://sp.example/cb', PRODUCTION)?.reason).toBe('not a valid http(s) URL');
  });

  it('lets EGRESS_ALLOW_PRIVATE or a listed host through (development, tests, an SP inside on purpose)', () => {
    expect(checkEgressUrl('http://127.0.0.1:9/cb', { ...STRICT_HTTP, allowPrivate: true })).toBeNull();
    expect(checkEgressUrl('http://localhost:9/cb', { ...STRICT_HTTP, allowHosts: ['localhost'] })).toBeNull();
    // Credentials stay refused whatever the allow-list says.
    expect(checkEgressUrl('http://u:p@localhost/cb', { ...STRICT_HTTP, allowPrivate: true })?.reason).toBe('credentials in the URL are not accepted');
  });

  it('resolves names and refuses one that resolves inside', async () => {
    expect(await resolveEgress(new URL('http://localhost/cb'), STRICT_HTTP)).toMatchObject({ reason: expect.stringContaining('private') });
    expect(await resolveEgress(new URL('http://127.0.0.1/cb'), { ...STRICT_HTTP, allowPrivate: true })).toEqual({ address: '127.0.0.1', family: 4 });
  });

  it('connects to the pinned address whatever the name would resolve to, and never connects when refused', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.writeHead(204).end();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = (server.address() as AddressInfo).port;
    try {
      // A name the resolver does not know: only the pinned lookup can make this connect.
      const status = await new Promise<number>((ok, fail) => {
        const lookup = pinnedLookup({ address: '127.0.0.1', family: 4 });
        lookup('no-such-host.invalid', { all: false }, (err, address) => (err ? fail(err) : ok(address === '127.0.0.1' ? 1 : 0)));
      });
      expect(status).toBe(1);
      expect(await egressPost(new URL(`http://127.0.0.1:${port}/cb`), {}, '{}', 2000, { ...STRICT_HTTP, allowPrivate: true })).toBe(204);
      await expect(egressPost(new URL(`http://127.0.0.1:${port}/cb`), {}, '{}', 2000, STRICT_HTTP)).rejects.toBeInstanceOf(EgressRefused);
      expect(hits).toBe(1);
    } finally {
      server.close();
    }
  });

  it.each([
    ['https://fcm.googleapis.com/fcm/send/abc', true],
    ['https://updates.push.services.mozilla.com/wpush/v2/abc', true],
    ['https://web.push.apple.com/QG9', true],
    ['https://wns2-par02p.notify.windows.com/w/?token=abc', true],
    ['http://fcm.googleapis.com/fcm/send/abc', false],
    ['https://fcm.googleapis.com:8443/fcm/send/abc', false],
    ['https://u:p@fcm.googleapis.com/fcm/send/abc', false],
    ['https://127.0.0.1/push', false],
    ['https://169.254.169.254/latest', false],
    ['https://evil.example/push.services.mozilla.com', false],
    ['https://push.services.mozilla.com.evil.example/x', false],
    ['https://notfcm.googleapis.com/x', false],
    ['https://.push.apple.com/x', false],
    ['not a url', false],
  ])('Web Push endpoint %s allowed by default: %s', (endpoint, allowed) => {
    expect(isAllowedPushEndpoint(endpoint, loadConfig({}).webPushAllowedHosts)).toBe(allowed);
  });
});
