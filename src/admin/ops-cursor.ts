import * as cursors from '../common/cursor';
import { ApiError } from '../common/errors/api-error';
import { UUID_PATTERN } from '../common/uuid';

/**
 * Opaque keyset cursors for the ops API. The parts are the sort key of the last row (for
 * transactions: Postgres' own text form of created_at, to keep its microseconds, and the id).
 */
export function encodeCursor(parts: string[]): string {
  return cursors.encodeCursor(parts);
}

/** Decodes a cursor whose parts must each match the given pattern, or answers ADM_1000004. */
export function decodeCursor(cursor: string, patterns: RegExp[]): string[] {
  const parts = cursors.decodeCursor(cursor);
  if (!Array.isArray(parts) || parts.length !== patterns.length || !parts.every((p, i) => typeof p === 'string' && patterns[i].test(p))) {
    throw new ApiError('ADM_1000004');
  }
  return parts as string[];
}

/** `created_at::text` as Postgres prints it, e.g. `2025-11-24 10:15:02.123456+00`. */
export const PG_TIMESTAMP_TEXT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/;
export const UUID = UUID_PATTERN;
