import { Module } from '@nestjs/common';
import { AdminOnboardingController } from './admin.controller';
import { OnboardingService } from './onboarding.service';

@Module({
  controllers: [AdminOnboardingController],
  providers: [OnboardingService],
  exports: [OnboardingService],
})
export class AdminModule {}
