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
  if (flat.some((f) => f.path === 'idDocType')) return new ApiError('CONS_1000006');
  if (flat.some((f) => f.path === 'identifier')) return new ApiError('UMS_VAL_025');
  const first = flat[0];
  if (!first) return new ApiError('REQ_1000005');
  const reason = first.missing && first.constraint !== 'whitelistValidation' ? 'required' : (REASON_OF[first.constraint] ?? 'format');
  return fieldError(first.path.slice(0, 200), reason);
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
    }
    return super.transform(value, metadata);
  }
}
