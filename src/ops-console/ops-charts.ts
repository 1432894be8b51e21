import type { OpsSeries } from '../observability/ops-rollup.service';
import { Lang, STATUS_TEXT, TEXT } from './ops-i18n';

/**
 * Server-rendered SVG charts: no script (the console's CSP allows none inline, and the page
 * refreshes itself), no client dependency, and what a test reads is the markup itself. Colours
 * are SVG presentation attributes, not style attributes. Time runs from the reading start:
 * left to right in English, right to left in Arabic (the y axis sits on the start side too).
 */

const W = 720;
const H = 190;
const PAD = { start: 52, end: 12, top: 10, bottom: 24 };
const PLOT_W = W - PAD.start - PAD.end;
const PLOT_H = H - PAD.top - PAD.bottom;

export interface ChartSeries {
  key: string;
  label: string;
  colour: string;
  values: (number | null)[];
  /** Bars stack on each other; lines are drawn over them. */
  kind: 'bar' | 'line';
}

function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** 1, 2, 5 × 10^n at or above `max`, so the axis reads in round numbers. */
export function niceCeiling(max: number): number {
  if (!(max > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= max) return step * magnitude;
  return 10 * magnitude;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en') : n.toLocaleString('en', { maximumFractionDigits: 1 });
}

function hhmm(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

/** One chart: a <figure> with the SVG, and an HTML legend (bidi-correct) with each series' 24 h total or peak. */
export function renderChart(opts: { id: string; title: string; lang: Lang; buckets: number[]; series: ChartSeries[]; summary: 'total' | 'peak' }): string {
  const { id, title, lang, buckets, series } = opts;
  const rtl = lang === 'ar';
  const n = buckets.length;
  const slot = PLOT_W / n;
  // Mirrors a left-to-right x for Arabic; text is placed, never flipped.
  const x = (ltr: number) => (rtl ? W - ltr : ltr);
  const xOf = (i: number) => PAD.start + slot * i;
  const bars = series.filter((s) => s.kind === 'bar');
  const lines = series.filter((s) => s.kind === 'line');
  const stackTop = buckets.map((_, i) => bars.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const top = niceCeiling(Math.max(0, ...stackTop, ...lines.flatMap((s) => s.values.map((v) => v ?? 0))));
  const y = (v: number) => PAD.top + PLOT_H - (v / top) * PLOT_H;

  const grid = [0, top / 2, top]
    .map((v) => {
      const label = `<text x="${x(PAD.start - 6)}" y="${y(v) + 4}" text-anchor="${rtl ? 'start' : 'end'}" font-size="11" fill="#66707a">${fmt(v)}</text>`;
      return `<line x1="${x(PAD.start)}" x2="${x(W - PAD.end)}" y1="${y(v)}" y2="${y(v)}" stroke="#d5dae0" stroke-width="1"/>${label}`;
    })
    .join('');
  // A time label every 3 hours, on bucket starts that fall on the hour.
  const ticks = buckets
    .map((b, i) => ({ b, i }))
    .filter(({ b }) => b % (3 * 3_600_000) === 0)
    .map(
      ({ b, i }) =>
        `<line x1="${x(xOf(i))}" x2="${x(xOf(i))}" y1="${PAD.top + PLOT_H}" y2="${PAD.top + PLOT_H + 4}" stroke="#66707a"/><text x="${x(xOf(i))}" y="${H - 6}" text-anchor="middle" font-size="11" fill="#66707a">${hhmm(b)}</text>`,
    )
    .join('');

  const base = buckets.map(() => 0);
  const barMarks = bars
    .map((s) => {
      const rects = s.values
        .map((v, i) => {
          if (!v) return '';
          const y0 = y(base[i]);
          base[i] += v;
          const y1 = y(base[i]);
          const left = rtl ? x(xOf(i + 1)) : xOf(i);
          return `<rect x="${left.toFixed(1)}" y="${y1.toFixed(1)}" width="${Math.max(1, slot - 0.5).toFixed(2)}" height="${(y0 - y1).toFixed(1)}" fill="${s.colour}" data-bucket="${buckets[i]}"><title>${hhmm(buckets[i])} UTC · ${esc(s.label)}: ${fmt(v)}</title></rect>`;
        })
        .join('');
      return `<g class="series bar" data-series="${s.key}" data-nonzero="${s.values.filter((v) => v).length}">${rects}</g>`;
    })
    .join('');
  const lineMarks = lines
    .map((s) => {
      let d = '';
      let pen = false;
      const points: string[] = [];
      s.values.forEach((v, i) => {
        if (v === null) {
          pen = false;
          return;
        }
        const px = x(xOf(i) + slot / 2).toFixed(1);
        const py = y(v).toFixed(1);
        d += `${pen ? 'L' : 'M'}${px} ${py}`;
        pen = true;
        if (v)
          points.push(
            `<circle cx="${px}" cy="${py}" r="2.5" fill="${s.colour}" data-bucket="${buckets[i]}"><title>${hhmm(buckets[i])} UTC · ${esc(s.label)}: ${fmt(v)}</title></circle>`,
          );
      });
      return `<g class="series line" data-series="${s.key}" data-nonzero="${s.values.filter((v) => v).length}"><path d="${d}" fill="none" stroke="${s.colour}" stroke-width="1.5"/>${points.join('')}</g>`;
    })
    .join('');

  const t = TEXT[lang];
  const legend = series
    .map((s) => {
      const known = s.values.filter((v): v is number => v !== null);
      const figure = opts.summary === 'total' ? known.reduce((a, b) => a + b, 0) : Math.max(0, ...known);
      return `<li data-series="${s.key}"><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill="${s.colour}"/></svg> ${esc(s.label)} <span class="muted">(${opts.summary === 'total' ? t.total24h : t.peak}: ${fmt(figure)})</span></li>`;
    })
    .join('');
  return `<figure class="chart" id="${id}"><figcaption>${esc(title)}</figcaption>
<svg class="plot" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(title)}" preserveAspectRatio="xMidYMid meet" data-direction="${rtl ? 'rtl' : 'ltr'}">${grid}${ticks}${barMarks}${lineMarks}</svg>
<ul class="legend">${legend}</ul></figure>`;
}

/** The four charts of the overview (every SP) or of one SP's page. */
export function opsCharts(lang: Lang, s: OpsSeries): string {
  const t = TEXT[lang];
  const st = STATUS_TEXT[lang];
  const charts = [
    renderChart({
      id: 'chart-sends',
      title: t.chartSends,
      lang,
      buckets: s.buckets,
      summary: 'total',
      series: [
        { key: 'accepted', label: st.ACCEPTED, colour: '#1b7a3a', values: s.sends.accepted, kind: 'bar' },
        { key: 'rejected', label: st.REJECTED, colour: '#a4161a', values: s.sends.rejected, kind: 'bar' },
        { key: 'expired', label: st.EXPIRED, colour: '#8a939c', values: s.sends.expired, kind: 'bar' },
        { key: 'init-failed', label: st.INIT_FAILED, colour: '#d97706', values: s.sends.initFailed, kind: 'bar' },
        { key: 'cancelled', label: st.CANCELLED, colour: '#6d28d9', values: s.sends.cancelled, kind: 'bar' },
        { key: 'triggered', label: `${t.sends} (${st.TRIGGERED})`, colour: '#1d4ed8', values: s.sends.triggered, kind: 'line' },
      ],
    }),
    renderChart({
      id: 'chart-push-latency',
      title: t.chartPushLatency,
      lang,
      buckets: s.buckets,
      summary: 'peak',
      series: [
        { key: 'p50', label: t.p50, colour: '#1d4ed8', values: s.pushP50Ms, kind: 'line' },
        { key: 'p99', label: t.p99, colour: '#a4161a', values: s.pushP99Ms, kind: 'line' },
      ],
    }),
    renderChart({
      id: 'chart-callbacks',
      title: t.chartCallbacks,
      lang,
      buckets: s.buckets,
      summary: 'total',
      series: [
        { key: 'delivered', label: t.delivered, colour: '#1b7a3a', values: s.callbacksDelivered, kind: 'bar' },
        { key: 'failed', label: t.failed, colour: '#a4161a', values: s.callbacksFailed, kind: 'bar' },
      ],
    }),
    renderChart({
      id: 'chart-outbox-age',
      title: t.chartOutboxAge,
      lang,
      buckets: s.buckets,
      summary: 'peak',
      series: [{ key: 'oldest', label: t.oldestSeconds, colour: '#d97706', values: s.outboxOldestSeconds, kind: 'line' }],
    }),
  ];
  return `<section id="charts"><h2>${t.charts}</h2><p class="muted">${t.chartsNote}</p><div class="charts">${charts.join('')}</div></section>`;
}
