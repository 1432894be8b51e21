import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { CallbacksModule } from '../callbacks/callbacks.module';
import { NotificationsModule } from '../notifications/notifications.module';

@Module({ imports: [TerminusModule, NotificationsModule, CallbacksModule], controllers: [HealthController] })
export class HealthModule {}
