import type { FactoryProvider, InjectionToken, Type } from '@nestjs/common';
import { PARAMTYPES_METADATA, SELF_DECLARED_DEPS_METADATA } from '@nestjs/common/constants';
import { RUNS_WORKERS } from './core.module';

/**
 * A queue consumer (a `@Processor` class) that exists only where workers run (RUNS_WORKERS,
 * decided once by AppModule.forRoot). Elsewhere the provider is null: @nestjs/bullmq finds no
 * processor and makes no BullMQ worker, and the consumer's module stays one static module that
 * any other may import. The dependencies are read as Nest reads them (constructor types, then
 * `@Inject` tokens).
 */
export function workerOnly<T>(processor: Type<T>): FactoryProvider<T | null> {
  const deps: InjectionToken[] = [...((Reflect.getMetadata(PARAMTYPES_METADATA, processor) as InjectionToken[] | undefined) ?? [])];
  const declared = (Reflect.getMetadata(SELF_DECLARED_DEPS_METADATA, processor) as { index: number; param: InjectionToken }[] | undefined) ?? [];
  for (const { index, param } of declared) deps[index] = param;
  return {
    provide: processor,
    inject: [RUNS_WORKERS, ...deps],
    useFactory: (runsWorkers: boolean, ...args: unknown[]) => (runsWorkers ? new processor(...args) : null),
  };
}
