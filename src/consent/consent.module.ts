import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { OutboxModule } from '../outbox/outbox.module';
import { SecurityModule } from '../security/security.module';
import { ServiceProvidersModule } from '../service-providers/service-providers.module';
import { UsersModule } from '../users/users.module';
import { ConsentController, SpEventsController } from './consent.controller';
import { ConsentTransitions } from './consent-transitions.service';
import { ConsentRepository } from './consent.repository';
import { ExpirySweeper } from './expiry-sweeper.service';
import { IdentifierProbeBudget, IdentifierProbes } from './identifier-probes';
import { ReceiptService } from './receipt.service';
import { StandingConsentRepository } from './standing-consent.repository';
import { StandingConsentService } from './standing-consent.service';
import { SendBatcher } from './send-batcher';
import { SendConsentService } from './send-consent.service';
import { SpEventsRepository } from './sp-events.repository';
import { SpEventsService } from './sp-events.service';
import { StatusRepository } from './status.repository';
import { TransactionStatusService } from './transaction-status.service';

@Module({
  imports: [DatabaseModule, OutboxModule, SecurityModule, ServiceProvidersModule, UsersModule],
  controllers: [ConsentController, SpEventsController],
  providers: [
    ConsentRepository,
    StandingConsentRepository,
    SpEventsRepository,
    IdentifierProbes,
    IdentifierProbeBudget,
    SendConsentService,
    SendBatcher,
    SpEventsService,
    TransactionStatusService,
    StatusRepository,
    ConsentTransitions,
    ExpirySweeper,
    ReceiptService,
    StandingConsentService,
  ],
  exports: [ConsentRepository, ConsentTransitions, ExpirySweeper, IdentifierProbes, ReceiptService, StandingConsentService],
})
export class ConsentModule {}
