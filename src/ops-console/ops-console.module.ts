import { DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from '../admin/admin.module';
import { OpsServiceProvidersService } from '../admin/ops-service-providers.service';
import { OpsTransactionsRepository } from '../admin/ops-transactions.repository';
import { OpsTransactionsService } from '../admin/ops-transactions.service';
import { CallbacksModule } from '../callbacks/callbacks.module';
import type { AppConfig } from '../config/config';
import { ObservabilityModule } from '../observability/observability.module';
import { DatabaseModule } from '../database/database.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { ServiceProvidersModule } from '../service-providers/service-providers.module';
import { OpsAccessGuard } from './ops-access';
import { OpsAuthController, OpsPagesController } from './ops-console.controller';
import { OpsConsoleService } from './ops-console.service';
import { OpsJobsService } from './ops-jobs.service';
import { OpsOidcService } from './ops-oidc.service';
import { OpsOverviewRepository } from './ops-overview.repository';
import { OpsOverviewService } from './ops-overview.service';
import { OpsSessionStore } from './ops-session.store';

/**
 * The ops console at /ops: operators sign in through the organisation's OpenID provider.
 * Without OPS_OIDC_* configured the module has no routes, so /ops answers 404.
 */
@Module({})
export class OpsConsoleModule {
  static forRoot(config: AppConfig): DynamicModule {
    if (!config.opsOidcIssuer) return { module: OpsConsoleModule };
    return {
      module: OpsConsoleModule,
      imports: [AdminModule, DatabaseModule, ServiceProvidersModule, ObservabilityModule, NotificationsModule, CallbacksModule],
      controllers: [OpsAuthController, OpsPagesController],
      // The ops API's services are stateless; the console gets its own instances of them.
      providers: [
        OpsSessionStore,
        OpsOidcService,
        OpsAccessGuard,
        OpsJobsService,
        OpsOverviewService,
        OpsOverviewRepository,
        OpsConsoleService,
        OpsTransactionsService,
        OpsTransactionsRepository,
        OpsServiceProvidersService,
      ],
      exports: [OpsSessionStore],
    };
  }
}
