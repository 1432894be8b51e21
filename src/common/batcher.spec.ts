import { Batcher } from './batcher';

describe('Batcher', () => {
  it('serves calls made within the window with one run, each caller getting its own result', async () => {
    const runs: number[][] = [];
    const batcher = new Batcher<number, number>(
      async (items) => {
        runs.push(items);
        return items.map((i) => i * 10);
      },
      { maxBatch: 100, windowMs: 5 },
    );
    const answers = await Promise.all([1, 2, 3].map((i) => batcher.add(i)));
    expect(answers).toEqual([10, 20, 30]);
    expect(runs).toEqual([[1, 2, 3]]);
  });

  it('runs at once when the batch is full, and fails every caller of a failed run', async () => {
    const runs: string[][] = [];
    const batcher = new Batcher<string, string>(
      async (items) => {
        runs.push(items);
        if (items.includes('bad')) throw new Error('database away');
        return items;
      },
      { maxBatch: 2, windowMs: 1000 },
    );
    expect(await Promise.all([batcher.add('a'), batcher.add('b')])).toEqual(['a', 'b']);
    const failed = await Promise.allSettled([batcher.add('bad'), batcher.add('c')]);
    expect(failed.map((f) => f.status)).toEqual(['rejected', 'rejected']);
    expect(runs).toEqual([
      ['a', 'b'],
      ['bad', 'c'],
    ]);
  });

  it('atOnceWhenIdle: a lone call runs at once; calls arriving meanwhile gather and run when it ends', async () => {
    const runs: number[][] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const batcher = new Batcher<number, number>(
      async (items) => {
        runs.push(items);
        if (runs.length === 1) await held;
        return items.map((i) => -i);
      },
      { maxBatch: 100, windowMs: 60_000, atOnceWhenIdle: true },
    );
    const first = batcher.add(1);
    await new Promise((r) => setImmediate(r));
    expect(runs).toEqual([[1]]);
    const later = [2, 3, 4].map((i) => batcher.add(i));
    await new Promise((r) => setTimeout(r, 20));
    expect(runs).toEqual([[1]]);
    release();
    expect(await first).toBe(-1);
    expect(await Promise.all(later)).toEqual([-2, -3, -4]);
    expect(runs).toEqual([[1], [2, 3, 4]]);
  });
});
