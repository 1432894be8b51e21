import { Global, Module } from '@nestjs/common';
import { ObservabilityModule } from '../observability/observability.module';
import { UserDirectory } from '../users/user-directory.service';
import { ConsentController, SpEventsController } from './consent.controller';
import { ConsentTransitions } from './consent-transitions.service';
import { ExpirySweeper } from './expiry-sweeper.service';
import { SendConsentService } from './send-consent.service';
import { SpEventsService } from './sp-events.service';
import { TransactionStatusService } from './transaction-status.service';

@Global()
@Module({
  imports: [ObservabilityModule],
  controllers: [ConsentController, SpEventsController],
  providers: [SendConsentService, SpEventsService, TransactionStatusService, ConsentTransitions, ExpirySweeper, UserDirectory],
  exports: [ConsentTransitions, UserDirectory, ExpirySweeper],
})
export class ConsentModule {}
