/** The textual UUID form Postgres accepts for a `uuid` column, any version. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether an id from a path or a cursor can name a row at all: a value Postgres would refuse as
 * `uuid` must answer the route's coded not-found, not fail the query.
 */
export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}
