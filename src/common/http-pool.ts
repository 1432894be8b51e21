import { Agent, fetch as undiciFetch } from 'undici';

/**
 * Outbound HTTP to push providers and SP callback URLs over pooled keep-alive connections: at
 * hundreds of pushes a second a new TCP (and TLS) handshake per request costs more than the
 * request. Sockets idle for up to 30 s are reused; at most 128 per origin.
 */
const agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: 128 });

/** `fetch` with the pooled agent (undici's own fetch, so agent and client are one version). */
export function pooledFetch(url: string | URL, init: RequestInit): Promise<Response> {
  return undiciFetch(url, { ...(init as object), dispatcher: agent }) as unknown as Promise<Response>;
}
