import { ApiError } from '../common/errors/api-error';
import { isUuid } from '../consent/receipt.service';

/** A test each part of a cursor must pass: a RegExp, or a check such as UUID below. */
export interface CursorPart {
  test(part: string): boolean;
}

/**
 * Opaque keyset cursors for the ops API. The parts are the sort key of the last row (for
 * transactions: Postgres' own text form of created_at, to keep its microseconds, and the id).
 */
export function encodeCursor(parts: string[]): string {
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

/** Decodes a cursor whose parts must each pass the given test, or answers ADM_1000004. */
export function decodeCursor(cursor: string, patterns: CursorPart[]): string[] {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ApiError('ADM_1000004');
  }
  if (!Array.isArray(parts) || parts.length !== patterns.length || !parts.every((p, i) => typeof p === 'string' && patterns[i].test(p))) {
    throw new ApiError('ADM_1000004');
  }
  return parts as string[];
}

/** `created_at::text` as Postgres prints it, e.g. `2025-11-24 10:15:02.123456+00`. */
export const PG_TIMESTAMP_TEXT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/;
/** A UUID, by the project's one UUID check. */
export const UUID: CursorPart = { test: isUuid };
