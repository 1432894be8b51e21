import type { RegisteredDevice } from '../device-registry.service';

/** What a push says. No personal identifier: the app fetches the request by its id. */
export interface PushMessage {
  transactionId: string;
  title: string;
  body: string;
  lang: 'en' | 'ar';
}

/**
 * delivered: the provider accepted it. retry: a transient failure (5xx, 429, timeout, no open
 * stream). unregistered: the token is gone for good, the device is removed. rejected: a
 * permanent failure that a retry cannot fix (bad request, provider not configured).
 */
export type PushOutcomeKind = 'delivered' | 'retry' | 'unregistered' | 'rejected';

export interface PushOutcome {
  outcome: PushOutcomeKind;
  statusCode?: number;
  /** Provider error code or a short reason; never a token or a payload. */
  detail?: string;
}

/** One adapter per device platform. */
export interface PushProvider {
  send(device: RegisteredDevice, message: PushMessage): Promise<PushOutcome>;
}

/** Classifies an HTTP status the way every provider means it. */
export function byStatus(status: number, detail?: string): PushOutcome {
  if (status >= 200 && status < 300) return { outcome: 'delivered', statusCode: status, detail };
  if (status === 429 || status >= 500 || status === 408) return { outcome: 'retry', statusCode: status, detail };
  return { outcome: 'rejected', statusCode: status, detail };
}

export const PROVIDER_TIMEOUT_MS = 10_000;

export function networkFailure(err: unknown): PushOutcome {
  const e = err as { name?: string; code?: string; message?: string };
  return { outcome: 'retry', detail: (e.name === 'TimeoutError' ? 'timeout' : (e.code ?? e.message ?? 'network error')).slice(0, 200) };
}
