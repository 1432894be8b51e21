// A real OpenID provider (oidc-provider) on loopback for the ops-console tests.
// Run with plain `node` (oidc-provider is ESM only): node fake-oidc-server.mjs '<json options>'.
// Prints `READY <issuer>` on stdout once listening. Options: { client: {id, secret, redirectUri},
// accounts: { <login>: { password, name, email, groups } } }.
import Provider from 'oidc-provider';
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';

const options = JSON.parse(process.argv[2] ?? '{}');
const accounts = options.accounts ?? {};

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function readForm(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => resolve(Object.fromEntries(new URLSearchParams(body))));
    req.on('error', reject);
  });
}

function loginPage(uid, error) {
  return `<!doctype html><html><head><title>Fake IdP sign-in</title></head><body>
<h1>Organisation sign-in</h1>${error ? `<p id="error">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label>Login <input name="login" id="login" autocomplete="off"></label>
<label>Password <input name="password" id="password" type="password"></label>
<button type="submit" id="signin">Sign in</button></form></body></html>`;
}

// Started on a free port first, so the issuer (which includes the port) is known before the provider.
const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: options.client.id,
      client_secret: options.client.secret,
      redirect_uris: [options.client.redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      // passport-oauth2 (node-oauth) sends the client secret in the form body.
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  jwks: { keys: [{ ...jwk, kid: 'fake-oidc-1', use: 'sig', alg: 'RS256' }] },
  cookies: { keys: ['fake-oidc-cookie-key-0123456789'] },
  claims: { openid: ['sub'], profile: ['name'], email: ['email'], groups: ['groups'] },
  scopes: ['openid', 'profile', 'email', 'groups'],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: async (_ctx, sub) => {
    const account = accounts[sub];
    if (!account) return undefined;
    return { accountId: sub, claims: async () => ({ sub, name: account.name, email: account.email, groups: account.groups }) };
  },
});
provider.proxy = false;
const callback = provider.callback();

server.on('request', async (req, res) => {
  try {
    const match = /^\/interaction\/([^/?]+)(\/login)?/.exec(req.url ?? '');
    if (!match) return callback(req, res);
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      if (req.method === 'POST' && match[2]) {
        const form = await readForm(req);
        const account = accounts[form.login];
        if (!account || account.password !== form.password) {
          res.writeHead(200, { 'content-type': 'text/html' }).end(loginPage(details.uid, 'Wrong login or password'));
          return;
        }
        await provider.interactionFinished(req, res, { login: { accountId: form.login } }, { mergeWithLastSubmission: false });
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' }).end(loginPage(details.uid));
      return;
    }
    // Consent: the organisation's own console needs none, so it is granted at once.
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    if (details.prompt.details.missingOIDCScope) grant.addOIDCScope(details.prompt.details.missingOIDCScope.join(' '));
    if (details.prompt.details.missingOIDCClaims) grant.addOIDCClaims(details.prompt.details.missingOIDCClaims);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  } catch (err) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err?.message ?? err));
  }
});

process.stdout.write(`READY ${issuer}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
