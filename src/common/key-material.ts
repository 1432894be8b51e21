import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AppConfig } from '../config/config';
import { DataKey, SecretBox } from './secret-box';

export interface KeyMaterial {
  secretBox: SecretBox;
  identifierHashKey: Buffer;
}

/**
 * Keys for data at rest. Production passes DATA_KEYS and IDENTIFIER_HASH_KEY (config refuses to
 * boot without them); a developer machine gets keys generated once under DATA_DIR, so a restart
 * still reads what it wrote.
 */
export function resolveKeyMaterial(config: AppConfig): KeyMaterial {
  let ring: DataKey[] | undefined = config.dataKeys;
  let hashKey = config.identifierHashKey ? Buffer.from(config.identifierHashKey, 'base64') : undefined;
  if (!ring || !hashKey) {
    const file = join(config.dataDir, 'dev-keys.json');
    if (!existsSync(file)) {
      mkdirSync(config.dataDir, { recursive: true });
      const generated = { dataKeys: [{ id: 'dev1', key: randomBytes(32).toString('base64') }], identifierHashKey: randomBytes(32).toString('base64') };
      writeFileSync(file, JSON.stringify(generated), { mode: 0o600 });
    }
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { dataKeys: { id: string; key: string }[]; identifierHashKey: string };
    ring ??= stored.dataKeys.map((k) => ({ id: k.id, key: Buffer.from(k.key, 'base64') }));
    hashKey ??= Buffer.from(stored.identifierHashKey, 'base64');
  }
  return { secretBox: new SecretBox(ring), identifierHashKey: hashKey };
}
