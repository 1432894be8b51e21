/** Muwafaqa SP SDK: a signed, token-caching client and a callback verifier. See docs/sdk.md. */
export { MuwafaqaClient, SP_SCOPE } from './client';
export type { MuwafaqaClientOptions } from './client';
export { verifyCallback } from './callback';
export type { CallbackVerifyOptions, IncomingCallback } from './callback';
export { CallbackVerificationError, MuwafaqaError } from './errors';
export type { CallbackRejection } from './errors';
export * from './types';
