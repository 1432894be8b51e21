import { Registry } from 'prom-client';
import { HttpMetrics } from './http-metrics';

describe('HttpMetrics', () => {
  it('counts and times each method, route and status code under its own label set, reusing the bound children', async () => {
    const registry = new Registry();
    const http = new HttpMetrics([registry]);
    http.record('POST', '/api/v1/consent/transaction/status', 200, 0.004);
    http.record('POST', '/api/v1/consent/transaction/status', 200, 0.02);
    http.record('POST', '/api/v1/consent/transaction/status', 401, 0.001);
    http.record('GET', 'unmatched', 404, 0.001);

    const text = await registry.metrics();
    expect(text).toContain('http_requests_total{method="POST",route="/api/v1/consent/transaction/status",status_code="200"} 2');
    expect(text).toContain('http_requests_total{method="POST",route="/api/v1/consent/transaction/status",status_code="401"} 1');
    expect(text).toContain('http_requests_total{method="GET",route="unmatched",status_code="404"} 1');
    expect(text).toContain('http_request_duration_seconds_bucket{le="0.005",method="POST",route="/api/v1/consent/transaction/status",status_code="200"} 1');
    expect(text).toContain('http_request_duration_seconds_count{method="POST",route="/api/v1/consent/transaction/status",status_code="200"} 2');
    expect(text).toMatch(/http_request_duration_seconds_sum\{method="POST",route="\/api\/v1\/consent\/transaction\/status",status_code="200"\} 0\.024/);
  });

  it('keeps counting after the registry is reset', async () => {
    const registry = new Registry();
    const http = new HttpMetrics([registry]);
    http.record('GET', '/health/live', 200, 0.001);
    registry.resetMetrics();
    http.record('GET', '/health/live', 200, 0.001);
    expect(await registry.metrics()).toContain('http_requests_total{method="GET",route="/health/live",status_code="200"} 1');
  });
});
