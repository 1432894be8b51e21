import { Type } from 'class-transformer';
import { IsArray, IsString, MaxLength, ValidateNested } from 'class-validator';
import { CatalogValidationPipe, findUnacceptable } from './validation.pipe';

describe('findUnacceptable', () => {
  it('accepts ordinary JSON, Arabic text and paired surrogates (emoji)', () => {
    expect(findUnacceptable({ a: 'نص', b: ['😀', 1, null, true], c: { d: 'x' } })).toBeNull();
  });

  it.each([
    [{ spTransactionID: 'a\u0000b' }, 'spTransactionID'],
    [{ content: { documents: [{ name: '\ud800' }] } }, 'content.documents[0].name'],
    [{ list: ['ok', 'x\udc00'] }, 'list[1]'],
    [{ info: { 'k\u0000': 'v' } }, 'info'],
  ])('names the field holding a string Postgres cannot store: %j', (body, path) => {
    expect(findUnacceptable(body)).toEqual({ path, reason: 'format' });
  });

  it('refuses a key naming prototype machinery (class-transformer would throw a TypeError: a 500)', () => {
    expect(findUnacceptable(JSON.parse('{"purposeAr":{"constructor":"x"}}'))).toEqual({ path: 'purposeAr.constructor', reason: 'unknown' });
    expect(findUnacceptable(JSON.parse('{"a":[{"prototype":1}]}'))).toEqual({ path: 'a[0].prototype', reason: 'unknown' });
  });

  it('refuses nesting deeper than 16 levels without recursing', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(findUnacceptable(deep)?.reason).toBe('format');
    let ok: unknown = 'x';
    for (let i = 0; i < 15; i++) ok = { a: ok };
    expect(findUnacceptable(ok)).toBeNull();
  });
});

describe('CatalogValidationPipe', () => {
  class Inner {
    @IsString() name: string;
  }
  class Outer {
    @IsString() @MaxLength(4) code: string;
    @IsArray() @ValidateNested({ each: true }) @Type(() => Inner) items: Inner[];
  }
  const pipe = new CatalogValidationPipe();
  const body = (value: unknown, metatype: new () => object) => pipe.transform(value, { type: 'body', metatype });

  it('answers the DTO, unknown keys stripped, nested classes built, the same on every call', async () => {
    for (let i = 0; i < 3; i++) {
      const dto = await body({ code: 'ab', extra: 1, items: [{ name: 'x', more: 2 }] }, Outer);
      expect(dto).toBeInstanceOf(Outer);
      expect((dto as Outer).items[0]).toBeInstanceOf(Inner);
      expect(dto).toEqual({ code: 'ab', items: [{ name: 'x' }] });
    }
  });

  it('names the first bad field, nested too, on every call', async () => {
    for (let i = 0; i < 2; i++) {
      await expect(body({ code: 'abcdef', items: [] }, Outer)).rejects.toMatchObject({ code: 'CONS_1000007' });
      await expect(body({ code: 'ab', items: [{ name: 5 }] }, Outer)).rejects.toMatchObject({ code: 'CONS_1000007' });
    }
  });

  it('validates a class whose rules were registered after the rules were first cached', async () => {
    await body({ code: 'ab', items: [] }, Outer);
    class Later {
      @IsString() late: string;
    }
    await expect(body({ late: 1 }, Later)).rejects.toMatchObject({ code: 'CONS_1000007' });
    expect(await body({ late: 'ok' }, Later)).toEqual({ late: 'ok' });
  });
});
