/** How a Batcher decides when to run what has gathered. */
export interface BatcherOptions {
  /** At most this many items per run; a full batch runs at once. */
  maxBatch: number;
  /** At most this long (ms) from the first waiting item to its run. */
  windowMs: number;
  /**
   * Request-path mode: when no run is in flight, what arrived in the current event-loop turn runs
   * at once (a lone request waits for nothing); while one runs, items gather until it ends, the
   * batch is full or the window passes, whichever comes first.
   */
  atOnceWhenIdle?: boolean;
}

/**
 * Groups calls made within a few milliseconds of each other into one call of `run`: a worker
 * running many jobs at once then loads their rows with one query, and writes their attempt
 * rows with one statement, instead of one round trip per job. `run` answers one result per
 * item, in order; when it throws, every call of the batch fails with it.
 */
export class Batcher<I, O> {
  private items: I[] = [];
  private waiters: { resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private timer?: NodeJS.Timeout;
  private immediate?: NodeJS.Immediate;
  private inFlight = 0;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly opts: BatcherOptions,
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.items.push(item);
      this.waiters.push({ resolve, reject });
      if (this.items.length >= this.opts.maxBatch) this.flush();
      else if (this.opts.atOnceWhenIdle && this.inFlight === 0) this.immediate ??= setImmediate(() => this.flush());
      else this.timer ??= setTimeout(() => this.flush(), this.opts.windowMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    while (this.items.length) {
      const items = this.items.splice(0, this.opts.maxBatch);
      const waiters = this.waiters.splice(0, items.length);
      this.inFlight++;
      this.run(items)
        .then(
          (results) => waiters.forEach((w, i) => w.resolve(results[i])),
          (err: unknown) => waiters.forEach((w) => w.reject(err)),
        )
        .finally(() => {
          this.inFlight--;
          // What gathered while this ran goes now rather than at its deadline.
          if (this.opts.atOnceWhenIdle && this.inFlight === 0 && this.items.length) this.flush();
        });
    }
  }
}
