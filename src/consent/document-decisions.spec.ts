import { ApiError } from '../common/errors/api-error';
import { decideDocuments, RequestedDocument } from './document-decisions';

const passport: RequestedDocument = { position: 0, type: 'PASSPORT', must_be_accepted: true };
const degree: RequestedDocument = { position: 1, type: 'DEGREE', must_be_accepted: false };
const visa: RequestedDocument = { position: 2, type: 'VISA', must_be_accepted: false };
const docs = [passport, degree, visa];

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as ApiError).body?.code;
  }
  return undefined;
}

describe('a decision, document by document', () => {
  it('accepting the request shares every document', () => {
    const out = decideDocuments({ accept: true }, docs);
    expect(out.to).toBe('ACCEPTED');
    expect(out.accepted.map((d) => d.accepted)).toEqual([true, true, true]);
  });

  it('rejecting an optional document keeps the request ACCEPTED with that document flagged', () => {
    const out = decideDocuments({ accept: true, documents: [{ type: 'DEGREE', accept: false }] }, docs);
    expect(out.to).toBe('ACCEPTED');
    expect(out.accepted).toEqual([
      { position: 0, type: 'PASSPORT', accepted: true },
      { position: 1, type: 'DEGREE', accepted: false },
      { position: 2, type: 'VISA', accepted: true },
    ]);
    expect(out.mandatoryRejected).toEqual([]);
  });

  it('rejecting a mustBeAccepted document rejects the whole request and shares nothing', () => {
    const out = decideDocuments({ accept: true, documents: [{ type: 'PASSPORT', accept: false }] }, docs);
    expect(out.to).toBe('REJECTED');
    expect(out.mandatoryRejected).toEqual(['PASSPORT']);
    expect(out.accepted.every((d) => !d.accepted)).toBe(true);
  });

  it('accepting while rejecting every optional document of a request without mandatory ones is REJECTED', () => {
    const out = decideDocuments({ accept: true, documents: [{ type: 'DEGREE', accept: false }] }, [degree]);
    expect(out.to).toBe('REJECTED');
  });

  it('accept: false rejects everything, whatever the per-document entries say', () => {
    const out = decideDocuments({ accept: false, documents: [{ type: 'DEGREE', accept: true }] }, docs);
    expect(out.to).toBe('REJECTED');
    expect([...out.choices.values()]).toEqual([false, false, false]);
  });

  it('naming a document the request does not contain answers CONS_1000018', () => {
    expect(codeOf(() => decideDocuments({ accept: true, documents: [{ type: 'DRIVING_LICENCE', accept: true }] }, docs))).toBe('CONS_1000018');
  });

  it('naming a document twice answers CONS_1000007', () => {
    const twice = {
      accept: true,
      documents: [
        { type: 'VISA', accept: true },
        { type: 'VISA', accept: false },
      ],
    };
    expect(codeOf(() => decideDocuments(twice, docs))).toBe('CONS_1000007');
  });
});
