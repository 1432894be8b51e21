import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { OutboxModule } from '../outbox/outbox.module';
import { SecurityModule } from '../security/security.module';
import { ServiceProvidersModule } from '../service-providers/service-providers.module';
import { UsersModule } from '../users/users.module';
import { ConsentController, SpEventsController } from './consent.controller';
import { ConsentTransitions } from './consent-transitions.service';
import { ExpirySweeper } from './expiry-sweeper.service';
import { IdentifierProbeBudget, IdentifierProbes } from './identifier-probes';
import { ReceiptService } from './receipt.service';
import { StandingConsentService } from './standing-consent.service';
import { SendBatcher } from './send-batcher';
import { SendConsentService } from './send-consent.service';
import { SpEventsService } from './sp-events.service';
import { TransactionStatusService } from './transaction-status.service';

@Module({
  imports: [DatabaseModule, OutboxModule, SecurityModule, ServiceProvidersModule, UsersModule],
  controllers: [ConsentController, SpEventsController],
  providers: [
    IdentifierProbes,
    IdentifierProbeBudget,
    SendConsentService,
    SendBatcher,
    SpEventsService,
    TransactionStatusService,
    ConsentTransitions,
    ExpirySweeper,
    ReceiptService,
    StandingConsentService,
  ],
  exports: [ConsentTransitions, ExpirySweeper, IdentifierProbes, ReceiptService, StandingConsentService],
})
export class ConsentModule {}
