import { adminCall, onboardSp } from '../support/clients';
import { OPS_ACCOUNTS } from '../support/fake-oidc';
import { startGateway } from '../support/gateway';
import { browse, CookieJar, OpsConsoleSetup, signIn, signInUntilCallback, startOpsConsole } from '../support/ops-console';

/** The catalog code and both languages rendered on a console error page. */
function expectErrorPage(res: { status: number; text: string; headers: Headers }, status: number, code: string): void {
  expect({ status: res.status, code: /id="error-code"><code>([^<]+)</.exec(res.text)?.[1] }).toEqual({ status, code });
  expect(res.headers.get('content-type')).toContain('text/html');
  expect(res.text).toMatch(/[\u0600-\u06FF]/); // the Arabic text is there beside the English
}

async function sessionKeys(setup: OpsConsoleSetup): Promise<string[]> {
  return setup.gw.redis.keys(`${setup.gw.config.redisPrefix}:ops:session:*`);
}

describe('ops console sign-in (authorization code + PKCE through the organisation IdP)', () => {
  let setup: OpsConsoleSetup;

  beforeAll(async () => {
    setup = await startOpsConsole();
  });
  afterAll(async () => {
    await setup?.close();
  });

  it('sends the browser to the IdP with S256 PKCE, a state and the registered redirect URI', async () => {
    const jar = new CookieJar();
    const res = await browse(jar, `${setup.gw.url}/ops/login`);
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location')!);
    expect(to.origin).toBe(setup.idp.issuer);
    expect(to.searchParams.get('response_type')).toBe('code');
    expect(to.searchParams.get('code_challenge_method')).toBe('S256');
    expect(to.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(to.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(to.searchParams.get('redirect_uri')).toBe(`${setup.gw.url}/ops/callback`);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('mwq_ops_login='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\/ops/);
  });

  it('signs an operator in: a signed HttpOnly SameSite=Lax session cookie, the session in Redis, the role from the groups claim', async () => {
    const jar = new CookieJar();
    const callback = await signInUntilCallback(setup, jar, 'operator');
    const done = await browse(jar, callback);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/ops');
    const cookie = done.headers.getSetCookie().find((c) => c.startsWith('mwq_ops='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/); // NODE_ENV=test serves plain http on loopback
    const sid = decodeURIComponent(cookie.split(';')[0].split('=')[1]);
    expect(sid).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9+/]{43}$/); // id.signature
    const stored = JSON.parse((await setup.gw.redis.get(`${setup.gw.config.redisPrefix}:ops:session:${sid.split('.')[0]}`))!);
    expect(stored).toMatchObject({
      sub: 'operator',
      role: 'operator',
      name: OPS_ACCOUNTS.operator.name,
      email: OPS_ACCOUNTS.operator.email,
      issuer: setup.idp.issuer,
    });

    const page = await browse(jar, `${setup.gw.url}/ops`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.text).toContain('id="role">operator<');
    expect(page.text).toContain('id="status-counts"');
  });

  it('refuses a callback whose state does not match, and signs nobody in', async () => {
    const jar = new CookieJar();
    const callback = new URL(await signInUntilCallback(setup, jar, 'operator'));
    const before = await sessionKeys(setup);
    callback.searchParams.set('state', 'x'.repeat(43));
    const res = await browse(jar, callback.toString());
    expectErrorPage(res, 400, 'OPS_1000004');
    expect(res.text).toContain('state');
    expect(res.headers.getSetCookie().some((c) => c.startsWith('mwq_ops=') && !c.startsWith('mwq_ops=;'))).toBe(false);
    expect(await sessionKeys(setup)).toEqual(before);
    // The pending sign-in was used up: the right state cannot be tried afterwards either.
    const again = await browse(jar, callback.toString().replace(/state=[^&]+/, `state=${new URL(callback).searchParams.get('state')}`));
    expectErrorPage(again, 400, 'OPS_1000004');
  });

  it('refuses a callback without a state', async () => {
    const jar = new CookieJar();
    const callback = new URL(await signInUntilCallback(setup, jar, 'operator'));
    callback.searchParams.delete('state');
    expectErrorPage(await browse(jar, callback.toString()), 400, 'OPS_1000004');
  });

  it('refuses a callback whose PKCE verifier is missing, before any token request', async () => {
    const jar = new CookieJar();
    const callback = await signInUntilCallback(setup, jar, 'operator');
    const handle = decodeURIComponent(jar.get(setup.gw.url, 'mwq_ops_login')!).split('.')[0];
    const key = `${setup.gw.config.redisPrefix}:ops:login:${handle}`;
    const pending = JSON.parse((await setup.gw.redis.get(key))!);
    expect(pending.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await setup.gw.redis.set(key, JSON.stringify({ state: pending.state }), 'EX', 60);
    const before = await sessionKeys(setup);
    const res = await browse(jar, callback);
    expectErrorPage(res, 400, 'OPS_1000004');
    expect(res.text).toContain('PKCE');
    expect(await sessionKeys(setup)).toEqual(before);
  });

  it('refuses a callback from a browser that did not start the sign-in (no login cookie: no verifier)', async () => {
    const jar = new CookieJar();
    const callback = await signInUntilCallback(setup, jar, 'operator');
    const res = await browse(new CookieJar(), callback);
    expectErrorPage(res, 400, 'OPS_1000004');
  });

  it('treats a tampered session cookie as no session: pages go to sign-in, forms are refused', async () => {
    const { csrf, cookie } = await signIn(setup, 'operator');
    const raw = decodeURIComponent(cookie);
    const [id, sig] = raw.split('.');
    const flipped = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    for (const forged of [`${flipped(id)}.${sig}`, `${id}.${flipped(sig)}`, id]) {
      const jar = new CookieJar();
      const page = await browse(jar, `${setup.gw.url}/ops`, { cookie: `mwq_ops=${encodeURIComponent(forged)}` });
      expect(page.status).toBe(302);
      expect(page.headers.get('location')).toBe('/ops/login');
      const post = await browse(jar, `${setup.gw.url}/ops/logout`, { cookie: `mwq_ops=${encodeURIComponent(forged)}`, form: { _csrf: csrf } });
      expectErrorPage(post, 401, 'OPS_1000001');
    }
    // The genuine cookie still works: nothing above ended the real session.
    expect((await browse(new CookieJar(), `${setup.gw.url}/ops`, { cookie: `mwq_ops=${cookie}` })).status).toBe(200);
  });

  it("refuses a form post without the CSRF token (or with another session's), and changes nothing", async () => {
    const a = await signIn(setup, 'operator');
    const b = await signIn(setup, 'operator');
    for (const form of [{} as Record<string, string>, { _csrf: '' }, { _csrf: b.csrf }]) {
      const res = await browse(a.jar, `${setup.gw.url}/ops/logout`, { form });
      expectErrorPage(res, 403, 'OPS_1000003');
    }
    // Still signed in: the refused logout did nothing.
    expect((await browse(a.jar, `${setup.gw.url}/ops`)).status).toBe(200);
  });

  it('refuses a viewer the secret rotation: no button, 403 on the confirmation and on the post, no secret written', async () => {
    const sp = await onboardSp(setup.gw);
    const viewer = await signIn(setup, 'viewer');
    const page = await browse(viewer.jar, `${setup.gw.url}/ops/sps/${sp.clientId}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('id="rotate"');
    expectErrorPage(await browse(viewer.jar, `${setup.gw.url}/ops/sps/${sp.clientId}/rotate`), 403, 'OPS_1000002');
    expectErrorPage(await browse(viewer.jar, `${setup.gw.url}/ops/sps/${sp.clientId}/rotate`, { form: { _csrf: viewer.csrf } }), 403, 'OPS_1000002');
    const { rows } = await setup.gw.db.query(`SELECT count(*)::int AS n FROM sp_signing_secrets WHERE sp_id = $1`, [sp.clientId]);
    expect(rows[0].n).toBe(1);
  });

  it('lets an admin rotate after confirming: a new secret shown once, the old one still active', async () => {
    const sp = await onboardSp(setup.gw);
    const admin = await signIn(setup, 'admin');
    const page = await browse(admin.jar, `${setup.gw.url}/ops/sps/${sp.clientId}`);
    expect(page.text).toContain('id="rotate"');
    const confirm = await browse(admin.jar, `${setup.gw.url}/ops/sps/${sp.clientId}/rotate`);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('id="rotate-confirm"');
    const done = await browse(admin.jar, `${setup.gw.url}/ops/sps/${sp.clientId}/rotate`, { form: { _csrf: admin.csrf } });
    expect(done.status).toBe(200);
    const secret = /id="new-secret">([^<]+)</.exec(done.text)![1];
    expect(secret).not.toBe(sp.signingSecret);
    const list = await adminCall(setup.gw, 'GET', `/admin/v1/service-providers/${sp.clientId}`);
    expect(list.body.activeSigningSecrets).toBe(2);
  });

  it('logout ends the session everywhere: the Redis record is gone and the old cookie no longer opens a page', async () => {
    const { jar, csrf, cookie } = await signIn(setup, 'viewer');
    const out = await browse(jar, `${setup.gw.url}/ops/logout`, { form: { _csrf: csrf } });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/ops/signed-out');
    expect(out.headers.getSetCookie().some((c) => /^mwq_ops=;.*Max-Age=0/i.test(c))).toBe(true);
    expect(await setup.gw.redis.exists(`${setup.gw.config.redisPrefix}:ops:session:${decodeURIComponent(cookie).split('.')[0]}`)).toBe(0);
    const replay = await browse(new CookieJar(), `${setup.gw.url}/ops`, { cookie: `mwq_ops=${cookie}` });
    expect(replay.status).toBe(302);
    expect(replay.headers.get('location')).toBe('/ops/login');
  });

  it('answers a bad search filter with a bilingual catalog page, not a 500', async () => {
    const { jar } = await signIn(setup, 'viewer');
    expectErrorPage(await browse(jar, `${setup.gw.url}/ops/transactions?status=NOPE`), 400, 'CONS_1000007');
    expectErrorPage(await browse(jar, `${setup.gw.url}/ops/transactions/not-a-uuid`), 404, 'CONS_1000019');
  });
});

// Gateways booted one after another (not side by side): Passport's strategy registry is
// process-global, so a second live gateway in this process would take over the first one's.
describe('ops console account without a role', () => {
  it('refuses an account whose groups map to no console role', async () => {
    const other = await startOpsConsole({ OPS_ROLE_GROUPS: 'admin=nobody-has-this' });
    try {
      const jar = new CookieJar();
      const res = await browse(jar, await signInUntilCallback(other, jar, 'viewer'));
      expectErrorPage(res, 403, 'OPS_1000005');
      expect(await sessionKeys(other)).toEqual([]);
    } finally {
      await other.close();
    }
  });
});

describe('ops console switched off', () => {
  it('answers 404 under /ops when OPS_OIDC_* is not configured', async () => {
    const gw = await startGateway();
    try {
      for (const path of ['/ops', '/ops/login', '/ops/callback?code=x&state=y']) {
        const res = await fetch(`${gw.url}${path}`, { redirect: 'manual' });
        expect(res.status).toBe(404);
      }
    } finally {
      await gw.close();
    }
  });
});
