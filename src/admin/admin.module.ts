import { Module } from '@nestjs/common';
import { AdminOnboardingController } from './admin.controller';
import { OnboardingService } from './onboarding.service';
import { OpsServiceProvidersController, OpsTransactionsController } from './ops-controller';
import { OpsServiceProvidersService } from './ops-service-providers.service';
import { OpsTransactionsService } from './ops-transactions.service';

@Module({
  controllers: [AdminOnboardingController, OpsTransactionsController, OpsServiceProvidersController],
  providers: [OnboardingService, OpsTransactionsService, OpsServiceProvidersService],
  exports: [OnboardingService],
})
export class AdminModule {}
