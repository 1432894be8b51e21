import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { AdminModule } from './admin/admin.module';
import { CoreModule } from './common/core.module';
import type { AppConfig } from './config/config';
import { ConsentModule } from './consent/consent.module';
import { dataSourceOptions } from './database/database.options';
import { HealthModule } from './health/health.module';
import { loggerOptions } from './observability/logging';
import { NotificationsModule } from './notifications/notifications.module';
import { SecurityModule } from './security/security.module';

export interface AppModuleOptions {
  /** True when the database is the embedded PGlite (one pooled connection). */
  embeddedDatabase?: boolean;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config),
        LoggerModule.forRoot(loggerOptions(config)),
        TypeOrmModule.forRoot({ ...dataSourceOptions(config, options.embeddedDatabase), migrationsRun: config.runMigrations }),
        SecurityModule,
        ConsentModule,
        AdminModule,
        HealthModule,
        NotificationsModule.forRoot(config, { workers: config.workersInProcess }),
      ],
    };
  }
}
