import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CallbacksModule } from '../callbacks/callbacks.module';
import { ConsentModule } from '../consent/consent.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { MetricsController } from './metrics.controller';
import { MetricsSnapshotRepository } from './metrics-snapshot.repository';
import { MetricsService } from './metrics.service';
import { OpsRollupRepository } from './ops-rollup.repository';
import { OpsRollupService } from './ops-rollup.service';

/** Prometheus metrics and the 5-minute rollups behind the console's charts (logging is configured in logging.ts through LoggerModule). */
@Module({
  imports: [DiscoveryModule, ConsentModule, NotificationsModule, CallbacksModule],
  controllers: [MetricsController],
  providers: [MetricsService, MetricsSnapshotRepository, OpsRollupRepository, OpsRollupService],
  exports: [MetricsService, OpsRollupService],
})
export class ObservabilityModule {}
