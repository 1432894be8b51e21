import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { AdminModule } from './admin/admin.module';
import { AppApiModule } from './app-api/app-api.module';
import { CallbacksModule } from './callbacks/callbacks.module';
import { CoreModule } from './common/core.module';
import { bullConnection } from './common/redis';
import type { AppConfig } from './config/config';
import { ConsentModule } from './consent/consent.module';
import { DatabaseModule } from './database/database.module';
import { dataSourceOptions } from './database/database.options';
import { runMigrations } from './database/migrate';
import { guardPoolClients } from './database/pool-errors';
import { markEmbedded } from './database/prepared';
import { HealthModule } from './health/health.module';
import { loggerOptions } from './observability/logging';
import { ObservabilityModule } from './observability/observability.module';
import { NotificationsModule } from './notifications/notifications.module';
import { OutboxModule } from './outbox/outbox.module';
import { queuePrefix } from './outbox/queue-options';
import { OpsConsoleModule } from './ops-console/ops-console.module';
import { PrivacyModule } from './privacy/privacy.module';
import { SecurityModule } from './security/security.module';

export interface AppModuleOptions {
  /** True when the database is the embedded PGlite (one pooled connection). */
  embeddedDatabase?: boolean;
  /** Run the queue workers and the periodic jobs in this process; default WORKERS_IN_PROCESS. */
  workers?: boolean;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    // The one place that decides whether this process consumes queues and runs the timers
    // (RUNS_WORKERS: see workerOnly for the queue consumers).
    const workers = options.workers ?? config.workersInProcess;
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config, workers),
        LoggerModule.forRoot(loggerOptions(config)),
        TypeOrmModule.forRootAsync({
          useFactory: () => dataSourceOptions(config, options.embeddedDatabase),
          // Migrations run before any other provider starts, so every table exists when they do.
          dataSourceFactory: async (opts) => {
            const ds = await new DataSource(opts!).initialize();
            guardPoolClients(ds);
            if (options.embeddedDatabase) markEmbedded(ds);
            if (config.runMigrations) await runMigrations(ds, { lock: !options.embeddedDatabase });
            return ds;
          },
        }),
        BullModule.forRoot({
          // Any topology (single node, Sentinel, Cluster); an add while Redis is away fails at once
          // (the outbox row waits instead). See bullConnection.
          connection: bullConnection(config),
          prefix: queuePrefix(config),
        }),
        DatabaseModule,
        SecurityModule,
        OutboxModule,
        ConsentModule,
        AdminModule,
        HealthModule,
        ObservabilityModule,
        NotificationsModule,
        AppApiModule,
        CallbacksModule,
        OpsConsoleModule.forRoot(config),
        PrivacyModule,
      ],
    };
  }
}
