/**
 * The request signature scheme lives in the SP SDK (one implementation for the gateway and every
 * SP); the gateway's guard and callback signer use it through this module.
 */
export { bodyDigest, canonicalString, signRequest, signedHeaders, verifyRequestSignature } from '../../sdk/src/signature';
