import type { SecretBox } from '../common/secret-box';
import type { IdDocType } from '../users/id-doc-types';

/**
 * Identity document numbers: what each idDocType looks like, and the one normal form that is
 * hashed for lookup (so "784-1990-1234567-6" and "784199012345676" find the same profile).
 */

/** Luhn over all 15 digits of an Emirates ID (the last digit is the check digit). */
export function isEmiratesIdChecksumValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const EMIRATES_ID = /^784-?(\d{4})-?(\d{7})-?(\d)$/;
/** ICAO 9303 passport numbers: up to 9 characters in the MRZ; some states use letters and digits. */
const PASSPORT = /^[A-Z0-9]{6,9}$/;
/** GCC national ID cards: Saudi (10), Kuwait (12), Bahrain (9), Oman (8-9), Qatar (11) digits. */
const GCC_NATIONAL_ID = /^\d{8,12}$/;

/** The normal form of a valid identifier, or null when it is not valid for that document type. */
export function normalizeIdentifier(idDocType: IdDocType, raw: string): string | null {
  const value = raw.trim().toUpperCase();
  switch (idDocType) {
    case 'EMIRATES_ID': {
      const m = EMIRATES_ID.exec(value);
      // Dashes are all or nothing: "784-1990-1234567-6" or "784199012345676".
      if (!m || (value.includes('-') && value.length !== 18)) return null;
      const digits = `784${m[1]}${m[2]}${m[3]}`;
      return isEmiratesIdChecksumValid(digits) ? digits : null;
    }
    case 'PASSPORT':
      return PASSPORT.test(value) ? value : null;
    case 'GCC_NATIONAL_ID_CARDS':
      return GCC_NATIONAL_ID.test(value) ? value : null;
  }
}

/** Masked for operators' screens: `784-****-*******-3`, `A1*****7`. */
export function maskIdentifier(idDocType: IdDocType, normalized: string): string {
  if (idDocType === 'EMIRATES_ID' && normalized.length === 15) return `784-****-*******-${normalized[14]}`;
  if (normalized.length <= 2) return '*'.repeat(normalized.length);
  return normalized[0] + '*'.repeat(normalized.length - 2) + normalized[normalized.length - 1];
}

/**
 * A stored (encrypted) identifier, decrypted and masked; null when its key has left the ring, so a
 * page or an export shows nothing for it rather than failing.
 */
export function maskStoredIdentifier(box: SecretBox, idDocType: IdDocType, enc: string): string | null {
  try {
    return maskIdentifier(idDocType, box.decrypt(enc));
  } catch {
    return null;
  }
}

/** Completes a 14-digit Emirates ID body with its Luhn check digit (for demos and tests). */
export function withEmiratesIdCheckDigit(first14: string): string {
  for (let d = 0; d <= 9; d++) if (isEmiratesIdChecksumValid(first14 + d)) return first14 + d;
  throw new Error('unreachable');
}
