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

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly opts: { maxBatch: number; windowMs: number },
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.items.push(item);
      this.waiters.push({ resolve, reject });
      if (this.items.length >= this.opts.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.opts.windowMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const items = this.items;
    const waiters = this.waiters;
    this.items = [];
    this.waiters = [];
    if (items.length === 0) return;
    this.run(items).then(
      (results) => waiters.forEach((w, i) => w.resolve(results[i])),
      (err: unknown) => waiters.forEach((w) => w.reject(err)),
    );
  }
}
