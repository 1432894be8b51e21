import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { getMetadataStorage, MetadataStorage, validate, ValidatorOptions } from 'class-validator';
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

/** Keys that name an object's prototype machinery rather than data. */
const PROTOTYPE_KEYS = new Set(['constructor', '__proto__', 'prototype']);

interface Step {
  value: unknown;
  depth: number;
  /** The path is built only for the value refused: the parent's step and this value's key. */
  parent: Step | null;
  key: string;
  index: boolean;
}

function pathOf(step: Step): string {
  const steps: Step[] = [];
  for (let s: Step | null = step; s?.parent; s = s.parent) steps.unshift(s);
  let path = '';
  for (const s of steps) path = s.index ? `${path}[${s.key}]` : path ? `${path}.${s.key}` : s.key;
  return path;
}

/**
 * The first place in a parsed JSON body that no route can accept: nesting beyond MAX_DEPTH, or a
 * string (value or key) Postgres cannot store. Iterative, so hostile depth cannot overflow the stack.
 */
export function findUnacceptable(body: unknown): { path: string; reason: FieldReason } | null {
  const stack: Step[] = [{ value: body, depth: 0, parent: null, key: '', index: false }];
  while (stack.length > 0) {
    const step = stack.pop()!;
    const value = step.value;
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value)) return { path: pathOf(step) || 'body', reason: 'format' };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (step.depth >= MAX_DEPTH) return { path: pathOf(step) || 'body', reason: 'format' };
    // Pushed last to first, so the first bad place in document order is found first.
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], depth: step.depth + 1, parent: step, key: String(i), index: true });
    } else {
      const keys = Object.keys(value);
      for (let i = keys.length - 1; i >= 0; i--) {
        if (UNSTORABLE.test(keys[i])) return { path: pathOf(step) || 'body', reason: 'format' };
        // class-transformer calls `new value.constructor()` on nested objects: such a key would
        // turn into a TypeError (a 500). No DTO has one, so it is an unknown field.
        if (PROTOTYPE_KEYS.has(keys[i])) return { path: pathOf({ value: null, depth: 0, parent: step, key: keys[i], index: false }), reason: 'unknown' };
        stack.push({ value: (value as Record<string, unknown>)[keys[i]], depth: step.depth + 1, parent: step, key: keys[i], index: false });
      }
    }
  }
  return null;
}

const CACHED = Symbol('muwafaqa:validation-metadata-cached');

/**
 * class-validator recomputes a class's rules for every object it validates (a filter over the
 * class's rules, a scan of every registered class for inherited ones, then a grouping by
 * property): per request, and per nested object. The rules are fixed once the classes are loaded,
 * so they are computed once per class here; registering a rule later clears the cache.
 */
function cacheValidationMetadata(): void {
  const storage = getMetadataStorage() as MetadataStorage & { [CACHED]?: true };
  if (storage[CACHED]) return;
  storage[CACHED] = true;
  const rulesOf = storage.getTargetValidationMetadatas.bind(storage);
  const groupOf = storage.groupByPropertyName.bind(storage);
  const rules = new Map<unknown, ReturnType<typeof rulesOf>>();
  const grouped = new WeakMap<object, ReturnType<typeof groupOf>>();
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    // Validation groups (unused here) are not cached. A nested object comes with its parent's
    // class name as `schema`, which only matters for rules registered under that name.
    if (groups?.length) return rulesOf(target, schema, always, strictGroups, groups);
    const key = `${schema ?? ''}|${always}|${strictGroups}`;
    let perClass = rules.get(target) as unknown as Map<string, ReturnType<typeof rulesOf>> | undefined;
    if (!perClass) rules.set(target, (perClass = new Map()) as never);
    let found = perClass.get(key);
    if (!found) perClass.set(key, (found = rulesOf(target, schema, always, strictGroups, groups)));
    return found;
  };
  storage.groupByPropertyName = (metadata) => {
    let found = grouped.get(metadata);
    if (!found) grouped.set(metadata, (found = groupOf(metadata)));
    return found;
  };
  for (const name of ['addValidationMetadata', 'addConstraintMetadata'] as const) {
    const add = storage[name].bind(storage) as (m: never) => void;
    (storage as unknown as Record<string, (m: never) => void>)[name] = (m) => {
      rules.clear();
      add(m);
    };
  }
}

/** What Nest's ValidationPipe hands to class-validator, and what it leaves to its own checks. */
const VALIDATOR_OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidUnknownValues: false,
  stopAtFirstError: true,
  validationError: { target: false, value: true },
};
const NOT_VALIDATED: readonly unknown[] = [String, Boolean, Number, Array, Object, Buffer, Date];

/**
 * Body validation for every route: only plain JSON objects get past it, as a typed DTO. A JSON
 * body takes one walk (findUnacceptable), one class-transformer pass and one class-validator pass
 * over rules computed once per class. Nest's own pass would walk the body three more times for
 * what Fastify's JSON parser already excludes (prototype keys, sparse arrays, binary values);
 * other arguments still go through it.
 */
export class CatalogValidationPipe extends ValidationPipe {
  constructor() {
    super({ ...VALIDATOR_OPTIONS, transform: true, exceptionFactory: (errors) => toCatalogError(errors) });
    cacheValidationMetadata();
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const metatype = metadata.metatype;
    if (metadata.type !== 'body' || !metatype || NOT_VALIDATED.includes(metatype)) return super.transform(value, metadata);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fieldError('body', 'object');
    const bad = findUnacceptable(value);
    if (bad) throw badFieldError(bad.path, bad.reason);
    const dto = plainToInstance(metatype as ClassConstructor<object>, value);
    const errors = await validate(dto, VALIDATOR_OPTIONS);
    if (errors.length > 0) throw toCatalogError(errors);
    return dto;
  }
}
