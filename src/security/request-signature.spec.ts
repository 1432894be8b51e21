import { bodyDigest, signRequest, verifyRequestSignature } from './request-signature';

describe('X-UAEPASS-Signature scheme', () => {
  const body = '{"spTransactionID":"m9mhsb1iy0rqeru53e","spId":"owner_sp_client_id"}';
  const path = '/api/v1/consent/transaction/status';

  it('matches the test vector published in docs/security.md', () => {
    expect(bodyDigest(body)).toBe('6014cee892ae4c3e16b85e311467b5033d1135247f666159af9858074244fbdb');
    expect(signRequest('demo-signing-secret', '1764000000000', 'POST', path, body)).toBe('zO7tLBz2SaEqhmNNgffrTv3bZ98RSSiQG+a+F2xYsKQ=');
  });

  it('digests an empty body as the SHA-256 of zero bytes', () => {
    expect(bodyDigest(undefined)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('accepts either of two active secrets and refuses a tampered body, path or timestamp', () => {
    const sig = signRequest('new-secret', '1764000000000', 'POST', path, body);
    expect(verifyRequestSignature(['old-secret', 'new-secret'], sig, '1764000000000', 'POST', path, body)).toBe(true);
    expect(verifyRequestSignature(['old-secret'], sig, '1764000000000', 'POST', path, body)).toBe(false);
    expect(verifyRequestSignature(['new-secret'], sig, '1764000000001', 'POST', path, body)).toBe(false);
    expect(verifyRequestSignature(['new-secret'], sig, '1764000000000', 'POST', path + '?x=1', body)).toBe(false);
    expect(verifyRequestSignature(['new-secret'], sig, '1764000000000', 'POST', path, body.replace('m9', 'm8'))).toBe(false);
    expect(verifyRequestSignature(['new-secret'], 'not base64!', '1764000000000', 'POST', path, body)).toBe(false);
  });
});
