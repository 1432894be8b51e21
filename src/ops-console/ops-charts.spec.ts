import { niceCeiling, opsCharts, renderChart } from './ops-charts';

const HOUR = 3_600_000;
const buckets = Array.from({ length: 12 }, (_, i) => 3 * HOUR + i * 300_000);

function firstX(svg: string, tag: 'rect' | 'circle'): number[] {
  const attr = tag === 'rect' ? 'x' : 'cx';
  return [...svg.matchAll(new RegExp(`<${tag} ${attr}="([\\d.]+)"[^>]*data-bucket`, 'g'))].map((m) => Number(m[1]));
}

describe('renderChart', () => {
  const series = [
    { key: 'ok', label: 'Delivered <ok>', colour: '#1b7a3a', values: buckets.map((_, i) => (i === 0 || i === 11 ? 2 : 0)), kind: 'bar' as const },
    { key: 'line', label: 'p50', colour: '#1d4ed8', values: buckets.map((_, i) => (i % 4 === 0 ? 10 : null)), kind: 'line' as const },
  ];

  it('draws time left to right in English and right to left in Arabic', () => {
    const en = firstX(renderChart({ id: 'c', title: 'T', lang: 'en', buckets, series, summary: 'total' }), 'rect');
    const ar = firstX(renderChart({ id: 'c', title: 'T', lang: 'ar', buckets, series, summary: 'total' }), 'rect');
    expect(en).toHaveLength(2);
    expect(en[0]).toBeLessThan(en[1]);
    expect(ar[0]).toBeGreaterThan(ar[1]);
  });

  it('marks only non-zero values, breaks lines at missing values, and escapes labels', () => {
    const svg = renderChart({ id: 'c', title: 'T', lang: 'en', buckets, series, summary: 'total' });
    expect(svg).toContain('data-series="ok" data-nonzero="2"');
    expect(svg).toContain('data-series="line" data-nonzero="3"');
    // Three separate points, each its own move: no segment joins across the gaps.
    expect(/<path d="([^"]+)"/.exec(svg)![1].match(/M/g)).toHaveLength(3);
    expect(svg).toContain('Delivered &#60;ok&#62;');
    expect(svg).not.toContain('<ok>');
    expect(svg).toContain('>03:00</text>');
  });

  it('sums totals in the legend, or shows the peak', () => {
    expect(renderChart({ id: 'c', title: 'T', lang: 'en', buckets, series, summary: 'total' })).toContain('(24 h: 4)');
    expect(renderChart({ id: 'c', title: 'T', lang: 'ar', buckets, series, summary: 'peak' })).toContain('(الذروة: 10)');
  });
});

describe('niceCeiling', () => {
  it('rounds the axis up to 1, 2 or 5 times a power of ten', () => {
    expect([0, 0.3, 1, 3, 7, 11, 240, 5000].map(niceCeiling)).toEqual([1, 0.5, 1, 5, 10, 20, 500, 5000]);
  });
});

describe('opsCharts', () => {
  it('renders the four charts with their titles in the page language', () => {
    const zeros = buckets.map(() => 0);
    const html = opsCharts('ar', {
      buckets,
      sends: { triggered: zeros, accepted: zeros, rejected: zeros, expired: zeros, initFailed: zeros, cancelled: zeros },
      pushP50Ms: buckets.map(() => null),
      pushP99Ms: buckets.map(() => null),
      callbacksDelivered: zeros,
      callbacksFailed: zeros,
      outboxOldestSeconds: zeros,
    });
    for (const id of ['chart-sends', 'chart-push-latency', 'chart-callbacks', 'chart-outbox-age']) expect(html).toContain(`id="${id}"`);
    expect(html).toContain('الطلبات المرسلة ونتائجها');
    expect(html).toContain('data-direction="rtl"');
  });
});
