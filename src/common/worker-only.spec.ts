import { Inject, Injectable } from '@nestjs/common';
import { RUNS_WORKERS } from './core.module';
import { workerOnly } from './worker-only';

class Repo {}
const TOKEN = Symbol('token');

@Injectable()
class Consumer {
  constructor(
    readonly repo: Repo,
    @Inject(TOKEN) readonly value: string,
  ) {}
}

describe('workerOnly', () => {
  const provider = workerOnly(Consumer);

  it('injects RUNS_WORKERS, then the constructor types with their @Inject tokens', () => {
    expect(provider.provide).toBe(Consumer);
    expect(provider.inject).toEqual([RUNS_WORKERS, Repo, TOKEN]);
  });

  it('makes the consumer with its dependencies where workers run, and nothing elsewhere', () => {
    const repo = new Repo();
    const made = provider.useFactory(true, repo, 'v') as Consumer;
    expect(made).toBeInstanceOf(Consumer);
    expect([made.repo, made.value]).toEqual([repo, 'v']);
    expect(provider.useFactory(false, repo, 'v')).toBeNull();
  });
});
