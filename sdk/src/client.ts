import { signRequest } from './signature';
import { MuwafaqaError } from './errors';
import type {
  ConsentReceiptResult,
  ErrorBody,
  SendConsentRequest,
  SendConsentResult,
  SpEventsPage,
  TransactionStatusResult,
  ValidateConsentResult,
} from './types';

export interface MuwafaqaClientOptions {
  /** The gateway's base URL, e.g. `https://consent.example.ae` (UAE PASS integrations change only this). */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** The signing secret issued at onboarding (separate from the client secret). */
  signingSecret: string;
  /** Renew the token this many seconds before it expires (default 60). */
  refreshMarginSeconds?: number;
  /** Replaceable for tests or proxies; defaults to the global fetch. */
  fetch?: typeof fetch;
}

interface TokenPair {
  accessToken: string;
  idToken: string;
  expiresAt: number;
}

export const SP_SCOPE = 'urn:uae:digitalid:backend_api:manage_user_consent openid';
const PATHS = {
  send: '/api/v1/consent/transaction/send',
  validate: '/api/v1/consent/transaction/validate',
  status: '/api/v1/consent/transaction/status',
  cancel: '/api/v1/consent/transaction/cancel',
  events: '/api/v1/consent/events',
  receipt: '/api/v1/consent/transaction/receipt',
} as const;

/**
 * An SP's client for Muwafaqa: gets a client-credentials token and keeps it until shortly before
 * it expires, signs every call (X-Timestamp, X-UAEPASS-Signature) with the gateway's own
 * canonical-string function, and turns error answers into MuwafaqaError with the catalog code.
 */
export class MuwafaqaClient {
  private token?: Promise<TokenPair>;
  private readonly base: string;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly opts: MuwafaqaClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? fetch;
  }

  /** Sends a consent request to the user; answers 201's body. */
  send(request: SendConsentRequest): Promise<SendConsentResult> {
    return this.call(PATHS.send, { ...request, spId: request.spId ?? this.opts.clientId });
  }

  /** Runs every check of send and answers what send would, writing nothing. */
  validate(request: SendConsentRequest): Promise<ValidateConsentResult> {
    return this.call(PATHS.validate, { ...request, spId: request.spId ?? this.opts.clientId });
  }

  status(spTransactionID: string): Promise<TransactionStatusResult> {
    return this.call(PATHS.status, { spTransactionID, spId: this.opts.clientId });
  }

  /** Withdraws a request the user has not decided yet. */
  cancel(spTransactionID: string): Promise<TransactionStatusResult> {
    return this.call(PATHS.cancel, { spTransactionID, spId: this.opts.clientId });
  }

  /**
   * Muwafaqa extension: the SP's callback events after a cursor (the last `eventId` read), oldest
   * first. Keep `next` and pass it as `after` next time; ask again while `hasMore`.
   */
  events(opts: { after?: string; limit?: number } = {}): Promise<SpEventsPage> {
    return this.call(PATHS.events, { spId: this.opts.clientId, ...opts });
  }

  /** The signed receipt of an accepted consent; check it with verifyReceipt. */
  receipt(spTransactionID: string): Promise<ConsentReceiptResult> {
    return this.call(PATHS.receipt, { spTransactionID, spId: this.opts.clientId });
  }

  /** Polls status until it leaves TRIGGERED or `timeoutMs` passes; answers the last status. */
  async waitForDecision(spTransactionID: string, { timeoutMs = 60_000, intervalMs = 1000 } = {}): Promise<TransactionStatusResult> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const result = await this.status(spTransactionID);
      if (result.status !== 'TRIGGERED' || Date.now() >= until) return result;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  /** The cached token pair, renewed shortly before expiry; concurrent callers share one request. */
  async tokens(): Promise<TokenPair> {
    const margin = (this.opts.refreshMarginSeconds ?? 60) * 1000;
    const current = this.token;
    if (current) {
      const pair = await current.catch(() => undefined);
      if (pair && pair.expiresAt - margin > Date.now()) return pair;
      if (this.token !== current) return this.tokens();
    }
    this.token = this.fetchToken();
    this.token.catch(() => (this.token = undefined));
    return this.token;
  }

  private async fetchToken(): Promise<TokenPair> {
    const basic = Buffer.from(`${this.opts.clientId}:${this.opts.clientSecret}`).toString('base64');
    const body = new URLSearchParams({ grant_type: 'client_credentials', scope: SP_SCOPE }).toString();
    const res = await this.request(`${this.base}/oauth2/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    const json = (await this.parse(res)) as { access_token: string; id_token?: string; expires_in: number };
    return { accessToken: json.access_token, idToken: json.id_token ?? json.access_token, expiresAt: Date.now() + json.expires_in * 1000 };
  }

  private async call<T>(path: string, payload: unknown, retried = false): Promise<T> {
    const pair = await this.tokens();
    const raw = JSON.stringify(payload);
    const timestamp = String(Date.now());
    const res = await this.request(`${this.base}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-up-accesstoken': pair.accessToken,
        authorization: `Bearer ${pair.idToken}`,
        'x-timestamp': timestamp,
        'x-uaepass-signature': signRequest(this.opts.signingSecret, timestamp, 'POST', path, raw),
      },
      body: raw,
    });
    try {
      return (await this.parse(res)) as T;
    } catch (err) {
      // A token revoked or rotated early: get a new one once.
      if (!retried && err instanceof MuwafaqaError && (err.code === 'SEC_1000001' || err.code === 'SEC_1000040')) {
        this.token = undefined;
        return this.call(path, payload, true);
      }
      throw err;
    }
  }

  private async request(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchFn(url, init);
    } catch (err) {
      throw new MuwafaqaError(0, 'NETWORK', { en: `The gateway could not be reached: ${(err as Error).message}`, ar: 'تعذر الوصول إلى البوابة' });
    }
  }

  private async parse(res: Response): Promise<unknown> {
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (res.ok) return json;
    const requestId = res.headers.get('x-request-id') ?? undefined;
    const err = json as Partial<ErrorBody> | undefined;
    if (err && typeof err.code === 'string' && err.desc && typeof err.desc.en === 'string') {
      throw new MuwafaqaError(res.status, err.code, { en: err.desc.en, ar: err.desc.ar ?? err.desc.en }, requestId);
    }
    throw new MuwafaqaError(res.status, `HTTP_${res.status}`, { en: `Unexpected answer ${res.status}`, ar: `إجابة غير متوقعة ${res.status}` }, requestId);
  }
}
