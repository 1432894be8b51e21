import type { PushMessage } from './providers/push-provider';

export interface PushSubject {
  transactionId: string;
  /** The requesting party: the requestor of a peerToPeer request, else the SP. */
  requesterName: string;
  requesterNameAr: string;
  purpose: string | null;
  purposeAr: string | null;
}

/**
 * The words of a consent-request push, in the device's language. Only the requesting party's
 * name and the purpose: never the user's name or identifier (the app fetches the rest by id).
 */
export function pushContent(subject: PushSubject, lang: 'en' | 'ar'): PushMessage {
  if (lang === 'ar') {
    const purpose = subject.purposeAr ?? subject.purpose;
    return {
      transactionId: subject.transactionId,
      lang,
      title: `طلب موافقة من ${subject.requesterNameAr}`,
      body: purpose
        ? `يطلب ${subject.requesterNameAr} موافقتك على مشاركة مستنداتك لغرض: ${purpose}`
        : `يطلب ${subject.requesterNameAr} موافقتك على مشاركة مستنداتك.`,
    };
  }
  const purpose = subject.purpose ?? subject.purposeAr;
  return {
    transactionId: subject.transactionId,
    lang,
    title: `Consent request from ${subject.requesterName}`,
    body: purpose ? `${subject.requesterName} asks you to share your documents for: ${purpose}` : `${subject.requesterName} asks you to share your documents.`,
  };
}
