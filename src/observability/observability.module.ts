import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/** Prometheus metrics (logging is configured in logging.ts through LoggerModule). */
@Module({ imports: [DiscoveryModule], controllers: [MetricsController], providers: [MetricsService], exports: [MetricsService] })
export class ObservabilityModule {}
