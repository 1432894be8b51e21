import { createHash } from 'node:crypto';
import { ApiError } from '../common/errors/api-error';

/** Short texts: a sentence or two the user reads before deciding. */
export const STATEMENT_MAX = 500;
export const TERMS_URL_MAX = 2048;
const DAY_MS = 86_400_000;

/** What a request asks the user to agree to beyond the seed's fields, as stored in consent_transactions.consent_terms. */
export interface ConsentTerms {
  statement?: string;
  statementAr?: string;
  termsUrl?: string;
  /** ISO date-time, normalised to UTC: the request asks for a standing consent until then. */
  validUntil?: string;
}

const CONSENT_KEYS = new Set(['statement', 'statementAr', 'termsUrl']);
/** Date-time with a zone designator (RFC 3339): a date alone or a zone-less time would mean different instants to different readers. */
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

/**
 * Checks the optional `consent` and `validUntil` of a send (or validate) body; answers what to
 * store, or null when the request has neither (it then behaves exactly as UAE PASS's).
 */
export function checkConsentTerms(consent: unknown, validUntil: unknown, maxDays: number, now = Date.now()): ConsentTerms | null {
  const terms: ConsentTerms = {};
  if (consent !== undefined) Object.assign(terms, checkStatement(consent));
  if (validUntil !== undefined) terms.validUntil = checkValidUntil(validUntil, maxDays, now);
  return Object.keys(terms).length ? terms : null;
}

function checkStatement(consent: unknown): ConsentTerms {
  if (typeof consent !== 'object' || consent === null || Array.isArray(consent)) throw statementError('consent');
  const body = consent as Record<string, unknown>;
  const unknown = Object.keys(body).find((k) => !CONSENT_KEYS.has(k));
  if (unknown) throw statementError(`consent.${unknown.slice(0, 64)}`);
  for (const field of ['statement', 'statementAr'] as const) {
    const text = body[field];
    if (typeof text !== 'string' || text.trim() === '' || text.length > STATEMENT_MAX) throw statementError(`consent.${field}`);
  }
  const terms: ConsentTerms = { statement: body.statement as string, statementAr: body.statementAr as string };
  if (body.termsUrl !== undefined) terms.termsUrl = checkTermsUrl(body.termsUrl);
  return terms;
}

function checkTermsUrl(value: unknown): string {
  const refused = new ApiError('CONS_1000022', { max: TERMS_URL_MAX });
  if (typeof value !== 'string' || value.length > TERMS_URL_MAX) throw refused;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw refused;
  }
  // The user follows this link from the consent screen: only https, and never credentials in it.
  if (url.protocol !== 'https:' || !url.hostname || url.username || url.password) throw refused;
  return value;
}

function checkValidUntil(value: unknown, maxDays: number, now: number): string {
  const m = typeof value === 'string' ? ISO_DATE_TIME.exec(value) : null;
  const at = m ? Date.parse(value as string) : NaN;
  // Date.parse rolls 2027-02-30 over to March: the calendar date must exist as written.
  const [, y, mo, d] = m ?? [];
  const real = m && new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d))).getUTCDate() === Number(d);
  if (!m || !real || Number.isNaN(at)) throw new ApiError('CONS_1000023');
  const shown = (value as string).slice(0, 40);
  if (at <= now) throw new ApiError('CONS_1000024', { validUntil: shown });
  if (at > now + maxDays * DAY_MS) throw new ApiError('CONS_1000025', { validUntil: shown, maxDays });
  return new Date(at).toISOString();
}

function statementError(field: string): ApiError {
  return new ApiError('CONS_1000021', { field, max: STATEMENT_MAX });
}

/** Lowercase hex SHA-256 of the UTF-8 bytes: what a receipt binds, so an auditor can prove the exact wording. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The receipt's binding of what the user agreed to; absent when the request carried no statement. */
export function receiptTermsClaims(terms: ConsentTerms | null): Record<string, unknown> {
  if (!terms) return {};
  const claims: Record<string, unknown> = {};
  if (terms.statement !== undefined && terms.statementAr !== undefined) {
    claims.consent_statement = {
      statement_sha256: sha256Hex(terms.statement),
      statement_ar_sha256: sha256Hex(terms.statementAr),
      ...(terms.termsUrl ? { terms_url: terms.termsUrl, terms_url_sha256: sha256Hex(terms.termsUrl) } : {}),
    };
  }
  return claims;
}
