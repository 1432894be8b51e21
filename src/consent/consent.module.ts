import { Global, Module } from '@nestjs/common';
import { UserDirectory } from '../users/user-directory.service';
import { ConsentController } from './consent.controller';
import { ConsentTransitions } from './consent-transitions.service';
import { ExpirySweeper } from './expiry-sweeper.service';
import { OutboxSignal } from './outbox-signal';
import { ReceiptService } from './receipt.service';
import { StandingConsentService } from './standing-consent.service';
import { SendConsentService } from './send-consent.service';
import { TransactionStatusService } from './transaction-status.service';

@Global()
@Module({
  controllers: [ConsentController],
  providers: [
    SendConsentService,
    TransactionStatusService,
    ConsentTransitions,
    ExpirySweeper,
    OutboxSignal,
    UserDirectory,
    ReceiptService,
    StandingConsentService,
  ],
  exports: [ConsentTransitions, OutboxSignal, UserDirectory, ExpirySweeper, ReceiptService, StandingConsentService],
})
export class ConsentModule {}
