import type { ErrorBody } from './types';

/**
 * An error answer of the gateway: the catalog `code` (e.g. CONS_1000001), both languages in
 * `desc`, the HTTP status, and the request id to quote to Muwafaqa operations.
 */
export class MuwafaqaError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly desc: ErrorBody['desc'],
    readonly requestId?: string,
  ) {
    super(`${code}: ${desc.en}`);
    this.name = 'MuwafaqaError';
  }

  /** True for answers worth retrying later (rate limit, dependency away, network). */
  get retryable(): boolean {
    return this.status === 429 || this.status === 503 || this.code === 'NETWORK';
  }
}

export type CallbackRejection = 'missing_header' | 'api_key' | 'timestamp' | 'signature' | 'body';

/** An incoming callback that must not be trusted; answer it with 401 (or 400 for `body`). */
export class CallbackVerificationError extends Error {
  constructor(
    readonly reason: CallbackRejection,
    message: string,
  ) {
    super(message);
    this.name = 'CallbackVerificationError';
  }
}

export type ReceiptRejection = 'format' | 'typ' | 'alg' | 'key' | 'signature' | 'claims';

/** A consent receipt that does not verify (or a token that is not a receipt at all). */
export class ReceiptVerificationError extends Error {
  constructor(
    readonly reason: ReceiptRejection,
    message: string,
  ) {
    super(message);
    this.name = 'ReceiptVerificationError';
  }
}
