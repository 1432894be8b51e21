import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { ApiError, FieldReason, fieldError } from './errors/api-error';

const REASON_OF: Record<string, FieldReason> = {
  isNotEmpty: 'required',
  isDefined: 'required',
  isString: 'string',
  maxLength: 'tooLong',
  isIn: 'enum',
  isEnum: 'enum',
  isObject: 'object',
  nestedValidation: 'object',
  isArray: 'array',
  arrayMinSize: 'array',
  arrayMaxSize: 'tooMany',
  isBoolean: 'boolean',
  whitelistValidation: 'unknown',
};

function flatten(errors: ValidationError[], prefix = ''): { path: string; constraint: string; missing: boolean }[] {
  return errors.flatMap((e) => {
    const path = prefix ? (/^\d+$/.test(e.property) ? `${prefix}[${e.property}]` : `${prefix}.${e.property}`) : e.property;
    const own = Object.keys(e.constraints ?? {}).map((constraint) => ({ path, constraint, missing: e.value === undefined || e.value === null }));
    return [...own, ...flatten(e.children ?? [], path)];
  });
}

/**
 * class-validator errors as catalog codes: the seed's own codes for idDocType (CONS_1000006) and
 * identifier (UMS_VAL_025), CONS_1000007 naming the first bad field for anything else.
 */
export function toCatalogError(errors: ValidationError[]): ApiError {
  const flat = flatten(errors);
  const seeded = SEED_CODED_FIELDS.find(([field]) => flat.some((f) => f.path === field));
  if (seeded) return new ApiError(seeded[1]);
  const first = flat[0];
  if (!first) return new ApiError('REQ_1000005');
  const reason = first.missing && first.constraint !== 'whitelistValidation' ? 'required' : (REASON_OF[first.constraint] ?? 'format');
  return fieldError(first.path.slice(0, 200), reason);
}

/** Fields whose refusal the seed words itself; idDocType first, as the identifier depends on it. */
const SEED_CODED_FIELDS: readonly (readonly [string, 'CONS_1000006' | 'UMS_VAL_025'])[] = [
  ['idDocType', 'CONS_1000006'],
  ['identifier', 'UMS_VAL_025'],
];

function badFieldError(path: string, reason: FieldReason): ApiError {
  const seeded = SEED_CODED_FIELDS.find(([field]) => field === path);
  return seeded ? new ApiError(seeded[1]) : fieldError(path.slice(0, 200), reason);
}

/** Deeper JSON than any DTO needs would only feed recursion in the validator. */
const MAX_DEPTH = 16;
/** Postgres text and jsonb cannot hold NUL, and jsonb refuses an unpaired UTF-16 surrogate. */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The first place in a parsed JSON body that no route can accept: nesting beyond MAX_DEPTH, or a
 * string (value or key) Postgres cannot store. Iterative, so hostile depth cannot overflow the stack.
 */
export function findUnacceptable(body: unknown): { path: string; reason: FieldReason } | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: body, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value)) return { path: path || 'body', reason: 'format' };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_DEPTH) return { path: path || 'body', reason: 'format' };
    const entries: [string, unknown][] = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
    for (const [key, child] of entries.reverse()) {
      const childPath = Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
      if (UNSTORABLE.test(key)) return { path: path || 'body', reason: 'format' };
      stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  return null;
}

/** Body validation for every route: only plain JSON objects get past it, as a typed DTO. */
export class CatalogValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      transform: true,
      forbidUnknownValues: false,
      stopAtFirstError: true,
      validationError: { target: false, value: true },
      exceptionFactory: (errors) => toCatalogError(errors),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && metadata.metatype && metadata.metatype !== Object) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fieldError('body', 'object');
      const bad = findUnacceptable(value);
      if (bad) throw badFieldError(bad.path, bad.reason);
    }
    return super.transform(value, metadata);
  }
}
