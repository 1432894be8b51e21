import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, JWTPayload, SignJWT } from 'jose';

/**
 * An external identity provider on 127.0.0.1: serves its JWKS at /jwks.json (real HTTP, as
 * jose's remote key set fetches it) and signs tokens with its own ES256 key.
 */
export interface FakeIdp {
  jwksUrl: string;
  issuer: string;
  /** Signs `claims` (iss, iat, exp filled unless given) with the IdP's published key. */
  sign(claims: JWTPayload, opts?: { audience?: string; issuer?: string; expiresIn?: number; header?: Record<string, unknown> }): Promise<string>;
  /** The IdP's public key as a JWK (for key-confusion attacks). */
  publicJwk: Record<string, unknown>;
  jwksRequests: number;
  close(): Promise<void>;
}

export async function startFakeIdp(audience: string): Promise<FakeIdp> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const kid = 'fake-idp-key-1';
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const state = { jwksRequests: 0 };
  const server: Server = createServer((req, res) => {
    if (req.url === '/jwks.json') {
      state.jwksRequests++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${base}/`;
  return {
    jwksUrl: `${base}/jwks.json`,
    issuer,
    publicJwk,
    get jwksRequests() {
      return state.jwksRequests;
    },
    async sign(claims, opts = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT', ...opts.header })
        .setIssuer(opts.issuer ?? issuer)
        .setAudience(opts.audience ?? audience)
        .setIssuedAt(now)
        .setExpirationTime(now + (opts.expiresIn ?? 600))
        .sign(privateKey);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
