/**
 * A job that runs every `intervalMs` in the background, never overlapping itself (a tick while the
 * previous run is still going is skipped). `stop()` waits for the run in progress, so services
 * call it from `beforeApplicationShutdown`: TypeORM closes the database in its
 * onApplicationShutdown, after that hook.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly run: () => Promise<unknown>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Starts ticking; with `immediately`, the first run starts now rather than after one interval. */
  start(intervalMs: number, opts: { immediately?: boolean } = {}): void {
    const tick = () => {
      this.running ??= this.run()
        .catch(this.onError)
        .finally(() => (this.running = undefined));
    };
    if (opts.immediately) tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
