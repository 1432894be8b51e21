import { ERROR_CATALOG, ErrorCode, renderError } from './error-catalog';

/** Throw this anywhere; the global filter answers it with the catalog's status and body. */
export class ApiError extends Error {
  readonly status: number;
  /** Extra response headers (Retry-After, WWW-Authenticate). */
  headers: Record<string, string> = {};
  /** Set on token-endpoint errors, which also answer RFC 6749's `error` field. */
  oauth?: { error: 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type' | 'invalid_scope' };

  constructor(
    readonly code: ErrorCode,
    readonly params: Record<string, string | number> = {},
  ) {
    super(code);
    this.status = ERROR_CATALOG[code].status;
  }

  get body() {
    return renderError(this.code, this.params);
  }

  asOAuth(error: NonNullable<ApiError['oauth']>['error']): this {
    this.oauth = { error };
    return this;
  }

  withHeader(name: string, value: string): this {
    this.headers[name] = value;
    return this;
  }
}

/** Bilingual reasons for CONS_1000007 (field validation), so the Arabic is never missing. */
export const FIELD_REASONS = {
  required: { en: 'it is mandatory', ar: 'الحقل إلزامي' },
  string: { en: 'it must be a non-empty string', ar: 'يجب أن يكون نصاً غير فارغ' },
  tooLong: { en: 'it is too long', ar: 'القيمة طويلة جداً' },
  enum: { en: 'it has an unexpected value', ar: 'القيمة غير متوقعة' },
  object: { en: 'it must be an object', ar: 'يجب أن يكون كائناً' },
  array: { en: 'it must be a non-empty list', ar: 'يجب أن يكون قائمة غير فارغة' },
  tooMany: { en: 'it has too many entries', ar: 'عدد العناصر كبير جداً' },
  duplicate: { en: 'it repeats a value', ar: 'القيمة مكررة' },
  boolean: { en: 'it must be true or false', ar: 'يجب أن تكون القيمة صحيحة أو خاطئة' },
  unknown: { en: 'it is not an allowed field', ar: 'الحقل غير مسموح' },
  format: { en: 'it has an invalid format', ar: 'الصيغة غير صحيحة' },
} as const;

export type FieldReason = keyof typeof FIELD_REASONS;

export function fieldError(field: string, reason: FieldReason): ApiError {
  const r = FIELD_REASONS[reason];
  return new ApiError('CONS_1000007', { field, reason: r.en, reasonAr: r.ar });
}
