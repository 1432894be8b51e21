import { ApiError, fieldError } from '../common/errors/api-error';
import type { ConsentStatus } from './consent-state-machine';

/** The user's decision, as posted to /app/v1/consents/{id}/decision. */
export interface ConsentDecision {
  accept: boolean;
  documents?: { type: string; accept: boolean }[];
}

export interface RequestedDocument {
  position: number;
  type: string;
  must_be_accepted: boolean;
}

export interface DocumentsOutcome {
  to: Extract<ConsentStatus, 'ACCEPTED' | 'REJECTED'>;
  /** Each document's choice as the user gave it (per document, else the request-level `accept`). */
  choices: Map<string, boolean>;
  /** Per document, whether it is shared: only on ACCEPTED, only what the user accepted. */
  accepted: { position: number; type: string; accepted: boolean }[];
  /** Documents the SP marked mustBeAccepted that the user rejected. */
  mandatoryRejected: string[];
}

/**
 * The rule of a decision (PingOne's `{ accept }`, with enmeshed's per-item decisions): rejecting a
 * document the SP marked mustBeAccepted rejects the whole request; accepting with some optional
 * documents rejected is ACCEPTED with those documents flagged; accepting none is REJECTED. Naming
 * a document the request does not contain (CONS_1000018), or one twice, is refused.
 */
export function decideDocuments(decision: ConsentDecision, docs: RequestedDocument[]): DocumentsOutcome {
  const choices = perDocumentChoices(decision, docs);
  const mandatoryRejected = docs.filter((d) => d.must_be_accepted && !choices.get(d.type)).map((d) => d.type);
  const anyAccepted = docs.some((d) => choices.get(d.type));
  const to = decision.accept && mandatoryRejected.length === 0 && anyAccepted ? 'ACCEPTED' : 'REJECTED';
  // A rejected request shares nothing, so no document is recorded as accepted.
  const accepted = docs.map((d) => ({ position: d.position, type: d.type, accepted: to === 'ACCEPTED' && choices.get(d.type) === true }));
  return { to, choices, accepted, mandatoryRejected };
}

function perDocumentChoices(decision: ConsentDecision, docs: { type: string }[]): Map<string, boolean> {
  const known = new Set(docs.map((d) => d.type));
  const given = new Map<string, boolean>();
  (decision.documents ?? []).forEach((d, i) => {
    if (!known.has(d.type)) throw new ApiError('CONS_1000018', { type: d.type.slice(0, 64) });
    if (given.has(d.type)) throw fieldError(`documents[${i}].type`, 'duplicate');
    given.set(d.type, d.accept);
  });
  return new Map(docs.map((d) => [d.type, decision.accept && (given.get(d.type) ?? true)]));
}
