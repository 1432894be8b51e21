import { Agent } from 'undici';

/**
 * Outbound HTTP to push providers over pooled keep-alive connections: at hundreds of pushes a
 * second a new TCP (and TLS) handshake per request costs more than the request. Sockets idle for
 * up to 30 s are reused; at most 128 per origin.
 */
const agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: 128 });

export interface PooledResponse {
  status: number;
  /** The body as JSON; `{}` when it is not JSON. */
  json(): Promise<unknown>;
}

/**
 * POST on the pooled agent with undici's `request`, not `fetch`: fetch's Request, Response and
 * web streams were about a fifth of the push worker's CPU (docs/benchmark.md, fourth session).
 * A body the caller does not read is drained at once, so the socket goes back to the pool.
 * Times out (a `TimeoutError`) after `timeoutMs`, connection included.
 */
export async function pooledPost(url: URL, headers: Record<string, string>, body: string, timeoutMs: number): Promise<PooledResponse> {
  const res = await agent.request({
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (res.statusCode >= 200 && res.statusCode < 300) {
    await res.body.dump();
    return { status: res.statusCode, json: async () => ({}) };
  }
  const payload = (await res.body.json().catch(() => ({}))) as unknown;
  return { status: res.statusCode, json: async () => payload };
}
