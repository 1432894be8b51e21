/** Muwafaqa SP SDK: a signed, token-caching client, the request signer, callback and receipt verifiers. See docs/sdk.md. */
export { MuwafaqaClient, SP_SCOPE } from './client';
export type { MuwafaqaClientOptions } from './client';
export { verifyCallback } from './callback';
export type { CallbackVerifyOptions, IncomingCallback } from './callback';
export { verifyReceipt, RECEIPT_JWT_TYP, RECEIPT_TYPE } from './receipt';
export type { ReceiptVerifyOptions } from './receipt';
export { bodyDigest, canonicalString, signRequest, signedHeaders, verifyRequestSignature } from './signature';
export { CallbackVerificationError, MuwafaqaError, ReceiptVerificationError } from './errors';
export type { CallbackRejection, ReceiptRejection } from './errors';
export * from './types';
