import { Module } from '@nestjs/common';
import { SpDirectory } from './sp-directory.service';

/** The directory of service providers (profiles and signing secrets, cached, invalidated over Redis). */
@Module({ providers: [SpDirectory], exports: [SpDirectory] })
export class ServiceProvidersModule {}
