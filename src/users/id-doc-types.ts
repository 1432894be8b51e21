/** The identity documents a user is known by (UAE PASS's `idDocType`). */
export const ID_DOC_TYPES = ['EMIRATES_ID', 'PASSPORT', 'GCC_NATIONAL_ID_CARDS'] as const;
export type IdDocType = (typeof ID_DOC_TYPES)[number];
