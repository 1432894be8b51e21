import { Counter, Histogram, Registry } from 'prom-client';

/** One label set's bound children: what a request with that method, route and status code updates. */
interface HttpSeries {
  requests: Counter.Internal;
  duration: Histogram.Internal<'method' | 'route' | 'status_code'>;
}

/**
 * The per-request HTTP metrics: `http_requests_total` and `http_request_duration_seconds`, by
 * method, route template and status code. Every request updates them, so each label set's
 * prom-client children are bound once and kept (route → method → status code): a request builds
 * no label object and no status string. The sets are as few as the routes' templates (an unmatched
 * path counts as `unmatched`), so the cache is bounded as the metrics' own series are.
 */
export class HttpMetrics {
  private readonly requests: Counter<'method' | 'route' | 'status_code'>;
  private readonly duration: Histogram<'method' | 'route' | 'status_code'>;
  private readonly series = new Map<string, Map<string, Map<number, HttpSeries>>>();

  constructor(registers: Registry[]) {
    this.requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by route template and status code',
      labelNames: ['method', 'route', 'status_code'],
      registers,
    });
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency, by route template and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
  }

  /** Counts one answered request and observes its duration. */
  record(method: string, route: string, statusCode: number, seconds: number): void {
    const series = this.seriesOf(method, route, statusCode);
    series.requests.inc();
    series.duration.observe(seconds);
  }

  private seriesOf(method: string, route: string, statusCode: number): HttpSeries {
    let byMethod = this.series.get(route);
    if (!byMethod) this.series.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let series = byStatus.get(statusCode);
    if (!series) {
      const labels = { method, route, status_code: String(statusCode) };
      series = { requests: this.requests.labels(labels), duration: this.duration.labels(labels) };
      byStatus.set(statusCode, series);
    }
    return series;
  }
}
