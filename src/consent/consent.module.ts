import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { SecurityModule } from '../security/security.module';
import { ServiceProvidersModule } from '../service-providers/service-providers.module';
import { UsersModule } from '../users/users.module';
import { ConsentController } from './consent.controller';
import { ConsentTransitions } from './consent-transitions.service';
import { ExpirySweeper } from './expiry-sweeper.service';
import { OutboxSignal } from './outbox-signal';
import { SendConsentService } from './send-consent.service';
import { TransactionStatusService } from './transaction-status.service';

@Module({
  imports: [DatabaseModule, SecurityModule, ServiceProvidersModule, UsersModule],
  controllers: [ConsentController],
  providers: [SendConsentService, TransactionStatusService, ConsentTransitions, ExpirySweeper, OutboxSignal],
  exports: [ConsentTransitions, OutboxSignal, ExpirySweeper],
})
export class ConsentModule {}
