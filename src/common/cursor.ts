/**
 * Opaque keyset cursors: the sort key of a page's last row as base64url JSON. Each caller checks
 * the decoded shape and answers its own coded error.
 */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** The decoded value, or undefined when the text is not a cursor at all. */
export function decodeCursor(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
