import { randomBytes } from 'node:crypto';
import { SecretBox } from '../common/secret-box';
import { isEmiratesIdChecksumValid, maskIdentifier, maskStoredIdentifier, normalizeIdentifier, withEmiratesIdCheckDigit } from './identifier-rules';

describe('identifier rules', () => {
  const eid = withEmiratesIdCheckDigit('78419901234567');

  it('accepts an Emirates ID with or without dashes, and normalises both to the same digits', () => {
    const dashed = `${eid.slice(0, 3)}-${eid.slice(3, 7)}-${eid.slice(7, 14)}-${eid[14]}`;
    expect(normalizeIdentifier('EMIRATES_ID', eid)).toBe(eid);
    expect(normalizeIdentifier('EMIRATES_ID', dashed)).toBe(eid);
  });

  it('refuses an Emirates ID with a wrong check digit, a wrong prefix or partial dashes', () => {
    const wrong = eid.slice(0, 14) + ((Number(eid[14]) + 1) % 10);
    expect(isEmiratesIdChecksumValid(wrong)).toBe(false);
    expect(normalizeIdentifier('EMIRATES_ID', wrong)).toBeNull();
    expect(normalizeIdentifier('EMIRATES_ID', '785' + eid.slice(3))).toBeNull();
    expect(normalizeIdentifier('EMIRATES_ID', `784-${eid.slice(3)}`)).toBeNull();
    expect(normalizeIdentifier('EMIRATES_ID', 'X')).toBeNull();
  });

  it('checks passport and GCC ID formats', () => {
    expect(normalizeIdentifier('PASSPORT', 'a1234567')).toBe('A1234567');
    expect(normalizeIdentifier('PASSPORT', 'A1')).toBeNull();
    expect(normalizeIdentifier('PASSPORT', 'A1234567890')).toBeNull();
    expect(normalizeIdentifier('GCC_NATIONAL_ID_CARDS', '1012345678')).toBe('1012345678');
    expect(normalizeIdentifier('GCC_NATIONAL_ID_CARDS', '10123A5678')).toBeNull();
  });

  it('masks identifiers for listings', () => {
    expect(maskIdentifier('EMIRATES_ID', eid)).toBe(`784-****-*******-${eid[14]}`);
    expect(maskIdentifier('PASSPORT', 'A1234567')).toBe('A******7');
  });

  it('masks a stored identifier, and shows nothing once its key has left the ring', () => {
    const old = new SecretBox([{ id: 'k1', key: randomBytes(32) }]);
    const stored = old.encrypt('784199012345674');
    expect(maskStoredIdentifier(old, 'EMIRATES_ID', stored)).toBe('784-****-*******-4');
    expect(maskStoredIdentifier(new SecretBox([{ id: 'k2', key: randomBytes(32) }]), 'EMIRATES_ID', stored)).toBeNull();
  });
});
