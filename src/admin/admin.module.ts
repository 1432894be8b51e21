import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { SecurityModule } from '../security/security.module';
import { ServiceProvidersModule } from '../service-providers/service-providers.module';
import { UsersModule } from '../users/users.module';
import { AdminOnboardingController } from './admin.controller';
import { OnboardingService } from './onboarding.service';
import { OpsServiceProvidersController, OpsTransactionsController } from './ops-controller';
import { OpsServiceProvidersService } from './ops-service-providers.service';
import { OpsTransactionsRepository } from './ops-transactions.repository';
import { OpsTransactionsService } from './ops-transactions.service';

@Module({
  imports: [DatabaseModule, SecurityModule, ServiceProvidersModule, UsersModule],
  controllers: [AdminOnboardingController, OpsTransactionsController, OpsServiceProvidersController],
  providers: [OnboardingService, OpsTransactionsService, OpsTransactionsRepository, OpsServiceProvidersService],
  exports: [OnboardingService],
})
export class AdminModule {}
