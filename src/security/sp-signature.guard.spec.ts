import { ApiError } from '../common/errors/api-error';
import { isWithinWindow, SpSignatureGuard } from './sp-signature.guard';
import { Principal, SP_CONSENT_SCOPE, USER_SCOPE } from './token.service';

describe('X-Timestamp window', () => {
  const now = 1_764_000_000_000;
  const window = 300_000;

  it('accepts a timestamp exactly 300 s old or ahead (the edge is inside)', () => {
    expect(isWithinWindow(now - window, now, window)).toBe(true);
    expect(isWithinWindow(now + window, now, window)).toBe(true);
  });

  it('refuses one millisecond past the edge, either side', () => {
    expect(isWithinWindow(now - window - 1, now, window)).toBe(false);
    expect(isWithinWindow(now + window + 1, now, window)).toBe(false);
  });
});

describe('SpSignatureGuard: the order of its checks', () => {
  const token = 'a.b.c';
  const signed = { 'x-timestamp': String(Date.now()), 'x-uaepass-signature': 'c2ln', authorization: `Bearer ${token}` };
  const userPrincipal: Principal = { kind: 'user', subject: 'u1', scopes: [USER_SCOPE], issuer: 'self' };
  /** The guard with a token check answering `principal`; the SP lookup and what follows must not be reached. */
  const guard = (principal: Principal) => {
    const bearer = { principalOf: jest.fn(async () => principal) };
    const directory = { get: jest.fn(async () => undefined) };
    const g = new SpSignatureGuard(bearer as never, directory as never, {} as never, {} as never, { signatureWindowSeconds: 300 } as never);
    return { g, bearer, directory };
  };
  const context = (req: object) => ({ switchToHttp: () => ({ getRequest: () => req }) }) as never;
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => 'passed',
      (e: ApiError) => e.code,
    );

  it('refuses a form body (REQ_1000003) before looking at the headers or the token', async () => {
    const { g, bearer } = guard(userPrincipal);
    const req = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '3' }, body: { a: '1' } };
    expect(await codeOf(g.canActivate(context(req)))).toBe('REQ_1000003');
    expect(bearer.principalOf).not.toHaveBeenCalled();
  });

  it('answers the bare 401 for a missing signature header before verifying the token', async () => {
    const { g, bearer } = guard(userPrincipal);
    const req = { method: 'POST', headers: { ...signed, 'x-uaepass-signature': '' } };
    expect(await codeOf(g.canActivate(context(req)))).toBe('401');
    expect(bearer.principalOf).not.toHaveBeenCalled();
  });

  it('refuses a token of another kind (SEC_1000007) before looking up the SP', async () => {
    const { g, directory } = guard(userPrincipal);
    expect(await codeOf(g.canActivate(context({ method: 'POST', headers: signed })))).toBe('SEC_1000007');
    expect(directory.get).not.toHaveBeenCalled();
  });

  it('refuses an SP token without the consent scope (SEC_1000002), then an unknown SP (SEC_1000001)', async () => {
    const noScope = guard({ kind: 'sp', subject: 'sp1', scopes: [], issuer: 'self' });
    expect(await codeOf(noScope.g.canActivate(context({ method: 'POST', headers: signed })))).toBe('SEC_1000002');
    const unknown = guard({ kind: 'sp', subject: 'sp1', scopes: [SP_CONSENT_SCOPE], issuer: 'self' });
    const req: { method: string; headers: object; user?: Principal } = { method: 'POST', headers: signed };
    expect(await codeOf(unknown.g.canActivate(context(req)))).toBe('SEC_1000001');
    expect(req.user?.subject).toBe('sp1');
  });
});
