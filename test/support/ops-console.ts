import { FakeOidc, OPS_ACCOUNTS, OPS_CLIENT_ID, OPS_CLIENT_SECRET, startFakeOidc } from './fake-oidc';
import { Gateway, startGateway } from './gateway';
import { freePort } from './redis-topologies';

/** A gateway with the ops console on, and the organisation's OpenID provider it trusts. */
export interface OpsConsoleSetup {
  gw: Gateway;
  idp: FakeOidc;
  close(): Promise<void>;
}

export async function startOpsConsole(env: Record<string, string> = {}): Promise<OpsConsoleSetup> {
  // Both URLs must be known before either starts: the IdP registers the gateway's callback.
  const port = await freePort();
  const redirectUri = `http://127.0.0.1:${port}/ops/callback`;
  const idp = await startFakeOidc(redirectUri);
  const gw = await startGateway({
    PORT: String(port),
    OPS_OIDC_ISSUER: idp.issuer,
    OPS_OIDC_CLIENT_ID: OPS_CLIENT_ID,
    OPS_OIDC_CLIENT_SECRET: OPS_CLIENT_SECRET,
    OPS_OIDC_REDIRECT_URL: redirectUri,
    ...env,
  });
  return {
    gw,
    idp,
    async close() {
      await gw.close();
      await idp.close();
    },
  };
}

/** A tiny cookie jar per origin, enough to walk an OpenID sign-in with fetch. */
export class CookieJar {
  private readonly jars = new Map<string, Map<string, string>>();

  store(url: string, res: Response): void {
    const jar = this.jar(url);
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      if (expired) jar.delete(name);
      else jar.set(name, value);
    }
  }

  header(url: string): string {
    return [...this.jar(url)].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  get(url: string, name: string): string | undefined {
    return this.jar(url).get(name);
  }

  set(url: string, name: string, value: string): void {
    this.jar(url).set(name, value);
  }

  private jar(url: string): Map<string, string> {
    const origin = new URL(url).origin;
    if (!this.jars.has(origin)) this.jars.set(origin, new Map());
    return this.jars.get(origin)!;
  }
}

/** GET or POST without following redirects, cookies from and into the jar. */
export async function browse(
  jar: CookieJar,
  url: string,
  init: { method?: string; form?: Record<string, string>; cookie?: string } = {},
): Promise<Response & { text: string }> {
  const headers: Record<string, string> = { cookie: init.cookie ?? jar.header(url) };
  if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(url, {
    method: init.method ?? (init.form ? 'POST' : 'GET'),
    headers,
    body: init.form ? new URLSearchParams(init.form).toString() : undefined,
    redirect: 'manual',
  });
  jar.store(url, res);
  return Object.assign(res, { text: await res.text() });
}

/**
 * Starts a sign-in at the gateway and walks the IdP (login form included) up to the redirect
 * back to /ops/callback, which is returned unvisited so a test can tamper with it.
 */
export async function signInUntilCallback(
  setup: OpsConsoleSetup,
  jar: CookieJar,
  login: string,
  password = OPS_ACCOUNTS[login as keyof typeof OPS_ACCOUNTS]?.password ?? '',
): Promise<string> {
  let res = await browse(jar, `${setup.gw.url}/ops/login`);
  if (res.status !== 302) throw new Error(`/ops/login answered ${res.status}: ${res.text}`);
  let location = res.headers.get('location')!;
  for (let hops = 0; hops < 12; hops++) {
    if (location.startsWith(`${setup.gw.url}/ops/callback`)) return location;
    const url = new URL(location, setup.idp.issuer).toString();
    res = await browse(jar, url);
    if (res.status === 200 && res.text.includes('name="login"')) {
      const action = /action="([^"]+)"/.exec(res.text)![1];
      res = await browse(jar, new URL(action, setup.idp.issuer).toString(), { form: { login, password } });
    }
    const next = res.headers.get('location');
    if (!next) throw new Error(`IdP stopped at ${url} with ${res.status}: ${res.text.slice(0, 300)}`);
    location = new URL(next, url).toString();
  }
  throw new Error('too many redirects during sign-in');
}

/** A signed-in console session for `login`: the jar holds its cookie; `csrf` is its form token. */
export async function signIn(setup: OpsConsoleSetup, login: string): Promise<{ jar: CookieJar; csrf: string; cookie: string }> {
  const jar = new CookieJar();
  const callback = await signInUntilCallback(setup, jar, login);
  const done = await browse(jar, callback);
  if (done.status !== 303) throw new Error(`callback answered ${done.status}: ${done.text.slice(0, 500)}`);
  const page = await browse(jar, `${setup.gw.url}/ops`);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
  if (!csrf) throw new Error(`no CSRF token on the overview (${page.status})`);
  return { jar, csrf, cookie: jar.get(setup.gw.url, 'mwq_ops')! };
}
