import { ApiError } from '../common/errors/api-error';
import { checkConsentTerms, receiptTermsClaims, sha256Hex } from './consent-terms';

const NOW = Date.parse('2026-12-01T00:00:00Z');
const STATEMENT = { statement: 'I agree.', statementAr: 'أوافق.' };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as ApiError).code;
  }
  return undefined;
}

describe('checkConsentTerms', () => {
  it('answers null when the request has neither field (UAE PASS behaviour)', () => {
    expect(checkConsentTerms(undefined, undefined, 365, NOW)).toBeNull();
  });

  it('keeps the statement and terms as sent, and validUntil in UTC', () => {
    expect(checkConsentTerms({ ...STATEMENT, termsUrl: 'https://x.example/t' }, '2027-01-01T04:00:00+04:00', 365, NOW)).toEqual({
      ...STATEMENT,
      termsUrl: 'https://x.example/t',
      validUntil: '2027-01-01T00:00:00.000Z',
    });
  });

  it.each([
    [{ statement: 'x' }, undefined, 'CONS_1000021'],
    [[], undefined, 'CONS_1000021'],
    [{ ...STATEMENT, termsUrl: 'ftp://x.example' }, undefined, 'CONS_1000022'],
    [{ ...STATEMENT, termsUrl: 'https://' }, undefined, 'CONS_1000022'],
    [undefined, '2027-13-01T00:00:00Z', 'CONS_1000023'],
    [undefined, '2027-01-01T24:00:00Z', 'CONS_1000023'],
    [undefined, '2026-11-30T23:59:59Z', 'CONS_1000024'],
    [undefined, '2026-12-01T00:00:00Z', 'CONS_1000024'],
    [undefined, '2027-12-02T00:00:00Z', 'CONS_1000025'],
  ])('refuses %j / %j with %s', (consent, validUntil, code) => {
    expect(codeOf(() => checkConsentTerms(consent, validUntil, 365, NOW))).toBe(code);
  });

  it('allows exactly the maximum', () => {
    expect(checkConsentTerms(undefined, '2027-12-01T00:00:00Z', 365, NOW)).toEqual({ validUntil: '2027-12-01T00:00:00.000Z' });
  });
});

describe('receiptTermsClaims', () => {
  it('binds the SHA-256 of each statement and the terms URL', () => {
    expect(receiptTermsClaims({ ...STATEMENT, termsUrl: 'https://x.example/t' })).toEqual({
      consent_statement: {
        statement_sha256: sha256Hex('I agree.'),
        statement_ar_sha256: sha256Hex('أوافق.'),
        terms_url: 'https://x.example/t',
        terms_url_sha256: sha256Hex('https://x.example/t'),
      },
    });
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(receiptTermsClaims(null)).toEqual({});
    expect(receiptTermsClaims({ validUntil: '2027-01-01T00:00:00.000Z' })).toEqual({});
  });
});
