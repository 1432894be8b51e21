import fc from 'fast-check';
import { request } from 'node:http';
import type { Pool } from 'pg';

/** Hostile input for the fuzzing suite: strings, values and raw requests no client should send. */

/** Strings that have broken other systems: injection, markup, unicode edge cases, control bytes. */
export const NASTY_STRINGS = [
  "' OR '1'='1",
  "'; DROP TABLE consent_transactions; --",
  '1; SELECT pg_sleep(5)',
  "\\'; --",
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '{{7*7}}${7*7}',
  '${jndi:ldap://127.0.0.1/a}',
  '../../../../etc/passwd',
  '%00%0d%0aSet-Cookie: x=1',
  '\u200F\u202Eفتح حساب\u202C', // RTL mark, right-to-left override
  '\u200B\u200C\u200D\u2060\uFEFF', // zero-width characters
  '\uD800', // unpaired high surrogate
  'x\uDFFFy', // unpaired low surrogate
  'a\u0000b', // NUL: Postgres text cannot hold it
  '\u0000',
  '\r\n\t\u0007\u001b[31m',
  '784-1990-1234567-1\u0000',
  '٧٨٤-١٩٩٠-١٢٣٤٥٦٧-١', // Arabic-Indic digits
  'ＥＭＩＲＡＴＥＳ＿ＩＤ', // full-width
  'e\u0301\u0301\u0301\u0301\u0301', // stacked combining marks
  '𝕏🏳️‍🌈👨‍👩‍👧‍👦',
  '__proto__',
  'constructor',
  'NaN',
  '-1',
  '1e309',
  '',
  ' ',
];

export const nastyString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer({ min: 300, max: 20_000 }).map((n) => 'ع'.repeat(n)) }, // long Arabic
  { weight: 1, arbitrary: fc.constantFrom(...NASTY_STRINGS).map((s) => s.repeat(200)) },
);

function nest(depth: number, leaf: unknown, asArray: boolean): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
  return v;
}

/** Any JSON value a hostile client might put where a field is expected. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: nastyString },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(-0), fc.constant(Number.MAX_SAFE_INTEGER + 2)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 50, max: 3000 }), fc.boolean()).map(([d, arr]) => nest(d, 'x', arr)) }, // deep nesting
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 8000 }).map((n) => Array.from({ length: n }, () => 0)) }, // huge array
  { weight: 1, arbitrary: fc.dictionary(nastyString, nastyString, { maxKeys: 5 }) },
);

/**
 * A body for a route whose valid shape is `template`: random JSON, the template with one field
 * replaced (or added) by a hostile value, or a hostile value in place of the whole object.
 */
export function hostileBody(template: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = [...Object.keys(template), '__proto__', 'extra', 'spId'];
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...keys), hostileValue).map(([k, v]) => ({ ...template, [k]: v })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...Object.keys(template)), fc.constantFrom(...Object.keys(template)))
        .map(([a, b]) => ({ ...template, [a]: template[b] })),
    }, // wrong types, swapped
    { weight: 2, arbitrary: hostileNested(template) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
    { weight: 1, arbitrary: hostileValue },
  );
}

/**
 * The template with one nested part made hostile: inside an object field, or in the elements of
 * a list of objects (`documents: [[]]`, `[null]`, `[{ ...valid, type: <hostile> }]`), where
 * validation that only looks at the top level lets a TypeError through.
 */
function hostileNested(template: Record<string, unknown>): fc.Arbitrary<unknown> {
  const nested = Object.entries(template).filter(([, v]) => typeof v === 'object' && v !== null);
  if (nested.length === 0) return fc.constant(template);
  return fc.constantFrom(...nested).chain(([key, value]) => {
    if (Array.isArray(value)) {
      const element = (value.find((e) => typeof e === 'object' && e !== null) ?? {}) as Record<string, unknown>;
      return fc
        .oneof(
          hostileValue.map((v) => [v]),
          fc.constant([[]]),
          fc.constant([[element]]),
          fc.constant([element, null]),
          hostileBody(element).map((e) => [e]),
        )
        .map((list) => ({ ...template, [key]: list }));
    }
    return hostileBody(value as Record<string, unknown>).map((inner) => ({ ...template, [key]: inner }));
  });
}

/** Raw bodies that are not JSON at all, or not UTF-8. */
export const rawHostileBody = fc.oneof(
  fc.constantFrom('{', '{"a":', '[1,2', 'null', '""', '{"a":1}{"b":2}', '\u0000', '{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"x":1}}}'),
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from([0xff, 0xfe, ...b])),
);

/** Row counts of every table (access_log excluded: reading is audited, by design). */
export async function tableCounts(db: Pool): Promise<Record<string, number>> {
  const tables: string[] = (
    await db.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT IN ('access_log', 'migrations') ORDER BY 1`,
    )
  ).rows.map((r: { table_name: string }) => r.table_name);
  const row = (await db.query(`SELECT ${tables.map((t) => `(SELECT count(*)::int FROM "${t}") AS "${t}"`).join(', ')}`)).rows[0];
  return row;
}

export interface RawResult {
  status: number;
  text: string;
  body: any;
}

/**
 * A request through node:http, so headers can repeat (`{ 'x-timestamp': ['1', '2'] }` sends two
 * lines) and the body can be any bytes, which fetch does not allow.
 */
export function rawRequest(url: string, method: string, headers: Record<string, string | string[]>, body?: Buffer | string): Promise<RawResult> {
  return new Promise((ok, fail) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        ok({ status: res.statusCode ?? 0, text, body: parsed });
      });
    });
    req.on('error', fail);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

export function isBilingualCatalogBody(body: any): boolean {
  return (
    typeof body?.code === 'string' &&
    typeof body?.desc?.en === 'string' &&
    body.desc.en.length > 0 &&
    typeof body?.desc?.ar === 'string' &&
    body.desc.ar.length > 0
  );
}
