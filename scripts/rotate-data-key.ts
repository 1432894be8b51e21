import 'reflect-metadata';
import { DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { KEY_MATERIAL } from '../src/common/core.module';
import { APP_CONFIG, AppConfig, ConfigError, loadConfig } from '../src/config/config';
import { dataSourceOptions } from '../src/database/database.options';
import { KeyRotationRepository } from '../src/privacy/key-rotation.repository';
import { KeyRotationService, RotationReport, RotationResult } from '../src/privacy/key-rotation.service';
import { startEmbeddedPostgres } from '../src/runtime/embedded-postgres';
import { resolveKeyMaterial } from '../src/common/key-material';

/** Only what rotation needs: the database and the key ring (no HTTP, no Redis, no workers). */
@Module({})
class KeyRotationCommandModule {
  static forRoot(config: AppConfig, embedded: boolean): DynamicModule {
    return {
      module: KeyRotationCommandModule,
      imports: [TypeOrmModule.forRoot(dataSourceOptions(config, embedded))],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: KEY_MATERIAL, useFactory: () => resolveKeyMaterial(config) },
        KeyRotationService,
        KeyRotationRepository,
      ],
    };
  }
}

/** Re-encrypts every value under the active key of DATA_KEYS, then reports what is left. */
export async function rotateDataKeys(config: AppConfig, embedded = false): Promise<{ result: RotationResult; report: RotationReport }> {
  const app = await NestFactory.createApplicationContext(KeyRotationCommandModule.forRoot(config, embedded), { logger: ['error', 'warn'] });
  try {
    const rotation = app.get(KeyRotationService);
    const result = await rotation.rotate();
    return { result, report: await rotation.report() };
  } finally {
    await app.close();
  }
}

/**
 * `npm run keys:rotate`: put the new key first in DATA_KEYS (keep the old one after it) on every
 * instance, then run this. It is safe while the gateway serves. Exit 0 when nothing is left
 * under an older key: the old key can then leave DATA_KEYS.
 */
async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`muwafaqa: configuration error: ${err.message}\n`);
    process.exit(1);
  }
  const embedded = !config.databaseUrl ? await startEmbeddedPostgres(config.dataDir) : undefined;
  if (embedded) config.databaseUrl = embedded.url;
  try {
    const { result, report } = await rotateDataKeys(config, !!embedded);
    process.stdout.write(`${JSON.stringify({ ...result, remaining: report.remaining, columns: report.columns }, null, 2)}\n`);
    if (result.undecryptable.length > 0) {
      process.stderr.write('muwafaqa: some values open with no key of DATA_KEYS (see "undecryptable"); add the key they were written with\n');
      process.exitCode = 2;
    } else if (report.remaining > 0) {
      process.stderr.write('muwafaqa: values were written under an older key meanwhile (an instance still on the old DATA_KEYS?); run again\n');
      process.exitCode = 3;
    } else {
      process.stdout.write(`muwafaqa: every encrypted value is under "${result.activeKeyId}"; older keys can leave DATA_KEYS\n`);
    }
  } finally {
    await embedded?.stop();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`muwafaqa: key rotation failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
