import { Global, Module } from '@nestjs/common';
import { UserDirectory } from '../users/user-directory.service';
import { ConsentController } from './consent.controller';
import { ConsentTransitions } from './consent-transitions.service';
import { ExpirySweeper } from './expiry-sweeper.service';
import { OutboxSignal } from './outbox-signal';
import { SendBatcher } from './send-batcher';
import { SendConsentService } from './send-consent.service';
import { TransactionStatusService } from './transaction-status.service';

@Global()
@Module({
  controllers: [ConsentController],
  providers: [SendConsentService, SendBatcher, TransactionStatusService, ConsentTransitions, ExpirySweeper, OutboxSignal, UserDirectory],
  exports: [ConsentTransitions, OutboxSignal, UserDirectory, ExpirySweeper],
})
export class ConsentModule {}
