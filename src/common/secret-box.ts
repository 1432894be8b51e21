import { createCipheriv, createDecipheriv, createHmac, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number, options: object) => Promise<Buffer>;

const GCM_TAG_BYTES = 16;

export interface DataKey {
  id: string;
  key: Buffer;
}

/**
 * AES-256-GCM for secrets and identifiers at rest. A value is `v1.<keyId>.<iv>.<tag>.<ciphertext>`
 * (base64url), so keys can rotate: the first key of the ring encrypts, any key of the ring decrypts.
 */
export class SecretBox {
  constructor(private readonly ring: readonly DataKey[]) {
    if (ring.length === 0) throw new Error('SecretBox needs at least one key');
  }

  get activeKeyId(): string {
    return this.ring[0].id;
  }

  encrypt(plaintext: string): string {
    const { id, key } = this.ring[0];
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
    cipher.setAAD(Buffer.from(id));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
  }

  decrypt(sealed: string): string {
    const [version, id, iv, tag, data] = sealed.split('.');
    const entry = this.ring.find((k) => k.id === id);
    if (version !== 'v1' || !entry) throw new Error(`no data key "${id}" to decrypt with`);
    const authTag = Buffer.from(tag ?? '', 'base64url');
    // GCM accepts shorter tags (down to 4 bytes) unless told otherwise: a truncated tag is forgeable.
    if (authTag.length !== GCM_TAG_BYTES) throw new Error('the authentication tag must be 16 bytes');
    const decipher = createDecipheriv('aes-256-gcm', entry.key, Buffer.from(iv, 'base64url'), { authTagLength: GCM_TAG_BYTES });
    decipher.setAAD(Buffer.from(id));
    decipher.setAuthTag(authTag);
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }

  keyIdOf(sealed: string): string {
    return sealed.split('.')[1];
  }
}

/** Keyed hash for looking an identifier up without storing it. */
export function identifierHash(key: Buffer, normalizedIdentifier: string): string {
  return createHmac('sha256', key).update(normalizedIdentifier).digest('hex');
}

/** scrypt for client secrets: `scrypt$N$r$p$salt$hash`. */
const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 };

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(secret, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: 64 * 1024 * 1024 });
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt') return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(secret, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 64 * 1024 * 1024,
  });
  return timingSafeEqual(actual, expected);
}

/** A random secret for onboarding (client secret, signing secret, API key). */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
