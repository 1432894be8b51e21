import { CatalogEntry, ERROR_CATALOG, ErrorCode, renderError } from '../common/errors/error-catalog';

/**
 * The error catalog as OpenAPI, generated from ERROR_CATALOG at boot: a new code appears in
 * /docs the moment it is added to the catalog, and nothing here is ever copied by hand.
 */
export function catalogEntries(): (CatalogEntry & { code: string })[] {
  return Object.entries(ERROR_CATALOG as Record<string, CatalogEntry>).map(([code, entry]) => ({ code, ...entry }));
}

function markdownTable(): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const rows = catalogEntries().map(
    (e) => `| \`${e.code}\` | ${e.status} | ${cell(e.en)} | ${cell(e.ar)} | ${e.seed ? 'UAE PASS' : ''} ${cell(e.note ?? '')} |`,
  );
  return ['| code | HTTP | en | ar | notes |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** The `ErrorBody` schema: the seed's `{code, desc:{ar,en}}`, every code listed with its status and both languages. */
export function errorBodySchema() {
  return {
    type: 'object',
    required: ['code', 'desc'],
    description: `Every error the gateway answers, in the UAE PASS seed's shape. Placeholders such as {spTransactionID} are filled in the answer.\n\n${markdownTable()}`,
    properties: {
      code: { type: 'string', enum: catalogEntries().map((e) => e.code), example: 'CONS_1000010' },
      desc: {
        type: 'object',
        required: ['ar', 'en'],
        properties: {
          ar: { type: 'string', example: renderError('CONS_1000010', { spTransactionID: 'm9mhsb1iy0rqeru53e' }).desc.ar },
          en: { type: 'string', example: renderError('CONS_1000010', { spTransactionID: 'm9mhsb1iy0rqeru53e' }).desc.en },
        },
      },
    },
  };
}

/** One example per code (as answered, placeholders unfilled), for the `default` response of every operation. */
export function errorExamples(): Record<string, { summary: string; value: unknown }> {
  return Object.fromEntries(catalogEntries().map((e) => [e.code, { summary: `${e.status}: ${e.en}`, value: renderError(e.code as ErrorCode) }]));
}
