import type { KeyMaterial } from '../common/key-material';
import type { SendConsentDto } from './dto/send-consent.dto';

/** The documents of a send as consent_documents stores them (JSON for the writing statement). */
export function storedDocuments(dto: SendConsentDto): string {
  return JSON.stringify(
    dto.content.documents.map((d) => ({
      name: d.name,
      nameAr: d.nameAr,
      type: d.type,
      typeAr: d.typeAr,
      metadata: d.metadata.map((m) => ({ displayName: m.displayName, displayNameAr: m.displayNameAr })),
      mustBeAccepted: d.mustBeAccepted === true,
    })),
  );
}

/** A peerToPeer requestor's identifier and additional info, encrypted at rest; null otherwise. */
export function encryptedRequestor(keys: KeyMaterial, requestType: string, dto: SendConsentDto): string | null {
  const requestor = dto.requestor;
  if (requestType !== 'peerToPeer' || !requestor) return null;
  return keys.secretBox.encrypt(JSON.stringify({ identifier: requestor.identifier, additionalInfo: requestor.additionalInfo ?? null }));
}
