import { Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { getDataSourceToken, InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/config';
import { PartitionMaintenance } from './partition-maintenance.service';
import { PlannerStatsGuard } from './planner-stats-guard.service';
import { openReadDataSource, READ_DB } from './read-database';

/** Closes the replica connection (never the primary, which TypeORM's module owns). */
@Injectable()
class ReadDataSourceCloser implements OnApplicationShutdown {
  constructor(
    @Inject(READ_DB) private readonly read: DataSource,
    @InjectDataSource() private readonly primary: DataSource,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.read !== this.primary && this.read.isInitialized) await this.read.destroy();
  }
}

/** The read DataSource (READ_DB), partition maintenance and the planner statistics guard; the primary is TypeOrmModule's. */
@Module({
  providers: [
    {
      provide: READ_DB,
      inject: [APP_CONFIG, getDataSourceToken()],
      useFactory: (config: AppConfig, primary: DataSource) => openReadDataSource(config, primary),
    },
    ReadDataSourceCloser,
    PartitionMaintenance,
    PlannerStatsGuard,
  ],
  exports: [READ_DB, PartitionMaintenance],
})
export class DatabaseModule {}
