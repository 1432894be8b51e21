/**
 * Push latencies in the rollups are kept as counts per fixed bucket (milliseconds), so buckets of
 * different SPs and times add up and percentiles come out of the sum, as with Prometheus histograms.
 * Bucket i counts latencies in [BOUNDS[i-1], BOUNDS[i]); the last one everything from 300 s up.
 */
export const LATENCY_BOUNDS_MS = [100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000] as const;
export const LATENCY_BUCKETS = LATENCY_BOUNDS_MS.length + 1;

/** SQL building the bucket counts of `latencyExpr` (milliseconds) as an integer[] aggregate. */
export function latencyHistogramSql(latencyExpr: string, filter = 'true'): string {
  const bucket = `width_bucket(${latencyExpr}, ARRAY[${LATENCY_BOUNDS_MS.join(',')}]::double precision[])`;
  const counts = Array.from({ length: LATENCY_BUCKETS }, (_, i) => `count(*) FILTER (WHERE ${filter} AND ${bucket} = ${i})::int`);
  return `ARRAY[${counts.join(', ')}]`;
}

/** Adds histograms bucket by bucket (a missing bucket counts 0). */
export function addHistograms(a: readonly number[], b: readonly number[]): number[] {
  return Array.from({ length: Math.max(a.length, b.length) }, (_, i) => (a[i] ?? 0) + (b[i] ?? 0));
}

/**
 * The q-quantile (0..1) in milliseconds, interpolated linearly inside its bucket like Prometheus's
 * histogram_quantile; null when the histogram is empty. The open last bucket answers its lower bound.
 */
export function latencyQuantile(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((s, n) => s + n, 0);
  if (total === 0) return null;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < LATENCY_BUCKETS; i++) {
    const n = counts[i] ?? 0;
    if (n > 0 && below + n >= rank) {
      const lower = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1];
      if (i === LATENCY_BOUNDS_MS.length) return lower;
      const upper = LATENCY_BOUNDS_MS[i];
      return lower + ((upper - lower) * (rank - below)) / n;
    }
    below += n;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1];
}
