import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';

describe('SecretBox (AES-256-GCM)', () => {
  const box = new SecretBox([{ id: 'k1', key: randomBytes(32) }]);

  it('round-trips with a 16-byte tag', () => {
    const sealed = box.encrypt('signing-secret');
    expect(Buffer.from(sealed.split('.')[3], 'base64url')).toHaveLength(16);
    expect(box.decrypt(sealed)).toBe('signing-secret');
  });

  it.each([4, 8, 12, 15])('refuses a tag truncated to %i bytes (GCM would otherwise verify it)', (bytes) => {
    const parts = box.encrypt('signing-secret').split('.');
    parts[3] = Buffer.from(parts[3], 'base64url').subarray(0, bytes).toString('base64url');
    expect(() => box.decrypt(parts.join('.'))).toThrow('the authentication tag must be 16 bytes');
  });

  it('refuses a tampered ciphertext', () => {
    const parts = box.encrypt('signing-secret').split('.');
    const data = Buffer.from(parts[4], 'base64url');
    data[0] ^= 1;
    parts[4] = data.toString('base64url');
    expect(() => box.decrypt(parts.join('.'))).toThrow();
  });
});
