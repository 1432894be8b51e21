import { addHistograms, LATENCY_BUCKETS, latencyQuantile } from './latency-histogram';

const hist = (entries: Record<number, number>) => Array.from({ length: LATENCY_BUCKETS }, (_, i) => entries[i] ?? 0);

describe('latencyQuantile', () => {
  it('answers null for an empty histogram', () => {
    expect(latencyQuantile(hist({}), 0.5)).toBeNull();
    expect(latencyQuantile([], 0.99)).toBeNull();
  });

  it('interpolates inside the bucket holding the rank', () => {
    // 10 latencies in [0, 100): the median sits halfway.
    expect(latencyQuantile(hist({ 0: 10 }), 0.5)).toBe(50);
    // 50 below 100 ms and 50 in [1000, 2500): p99 is 98 % into the upper bucket.
    expect(latencyQuantile(hist({ 0: 50, 4: 50 }), 0.99)).toBeCloseTo(1000 + 1500 * 0.98);
    expect(latencyQuantile(hist({ 0: 50, 4: 50 }), 0.5)).toBe(100);
  });

  it('answers the lower bound of the open last bucket', () => {
    expect(latencyQuantile(hist({ 10: 3 }), 0.99)).toBe(300_000);
  });
});

describe('addHistograms', () => {
  it('adds bucket by bucket, a missing bucket counting 0', () => {
    expect(addHistograms([1, 2], [3, 4, 5])).toEqual([4, 6, 5]);
  });
});
