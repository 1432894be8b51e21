import { findUnacceptable } from './validation.pipe';

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

  it('refuses nesting deeper than 16 levels without recursing', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(findUnacceptable(deep)?.reason).toBe('format');
    let ok: unknown = 'x';
    for (let i = 0; i < 15; i++) ok = { a: ok };
    expect(findUnacceptable(ok)).toBeNull();
  });
});
