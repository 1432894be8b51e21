import type { IdDocType } from '../users/id-doc-types';
import type { RequestType } from './dto/send-consent.dto';

/**
 * The seed's sample Send Consent Request body, in one place for the OpenAPI example, the demo,
 * the benchmark, the SDK example and the tests.
 */
export function sampleSendBody(fields: { identifier: string; spId: string; requestedById: string; spTransactionID: string }) {
  return {
    identifier: fields.identifier,
    idDocType: 'EMIRATES_ID' as IdDocType,
    requestedById: fields.requestedById,
    spId: fields.spId,
    spTransactionID: fields.spTransactionID,
    purpose: 'Opening a bank account',
    purposeAr: 'فتح حساب مصرفي',
    requestType: 'spToSp' as RequestType,
    content: {
      documents: [
        {
          name: 'Emirates ID',
          nameAr: 'الهوية الإماراتية',
          type: 'EMIRATES_ID',
          typeAr: 'الهوية',
          metadata: [
            { displayName: 'Full name', displayNameAr: 'الاسم الكامل' },
            { displayName: 'Date of birth', displayNameAr: 'تاريخ الميلاد' },
          ],
        },
      ],
    },
  };
}
