import { Global, Module } from '@nestjs/common';
import { ObservabilityModule } from '../observability/observability.module';
import { UserDirectory } from '../users/user-directory.service';
import { ConsentController } from './consent.controller';
import { ConsentTransitions } from './consent-transitions.service';
import { ExpirySweeper } from './expiry-sweeper.service';
import { ReceiptService } from './receipt.service';
import { StandingConsentService } from './standing-consent.service';
import { SendConsentService } from './send-consent.service';
import { TransactionStatusService } from './transaction-status.service';

@Global()
@Module({
  imports: [ObservabilityModule],
  controllers: [ConsentController],
  providers: [SendConsentService, TransactionStatusService, ConsentTransitions, ExpirySweeper, UserDirectory, ReceiptService, StandingConsentService],
  exports: [ConsentTransitions, UserDirectory, ExpirySweeper, ReceiptService, StandingConsentService],
})
export class ConsentModule {}
