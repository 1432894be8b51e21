import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CallbacksModule } from '../callbacks/callbacks.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { HealthController } from './health.controller';

@Module({ imports: [TerminusModule, NotificationsModule, CallbacksModule], controllers: [HealthController] })
export class HealthModule {}
