import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bodyDigest, canonicalString, signRequest } from '../../sdk/src/signature';
import { isEmiratesIdChecksumValid } from '../../src/consent/identifier-rules';

const ROOT = join(__dirname, '../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** The `key : value` lines of the fenced block right after `<!-- marker -->`. */
function exampleBlock(doc: string, marker: string): Record<string, string> {
  const start = doc.indexOf(`<!-- ${marker} -->`);
  expect(start).toBeGreaterThanOrEqual(0);
  const block = doc.slice(start).split('```')[1];
  return Object.fromEntries(
    block
      .split('\n')
      .filter((line) => line.includes(' : '))
      .map((line) => {
        const at = line.indexOf(' : ');
        return [line.slice(0, at).trim(), line.slice(at + 3)];
      }),
  );
}

describe('docs/consent-api.md quick start', () => {
  const doc = read('docs/consent-api.md');

  it('its worked signature example is what the shared signer computes', () => {
    const ex = exampleBlock(doc, 'signature-example');
    const [method, path] = ex['method, path'].split(' ');
    expect(bodyDigest(ex['raw body'])).toBe(ex['body digest']);
    expect(canonicalString(ex['X-Timestamp'], method, path, ex['raw body'])).toBe(ex['string to sign'].replace(/\\n/g, '\n'));
    expect(signRequest(ex['signing secret'], ex['X-Timestamp'], method, path, ex['raw body'])).toBe(ex.signature);
    // DESIGN.md's test vector, so the doc cannot drift from it either.
    expect(ex.signature).toBe('zO7tLBz2SaEqhmNNgffrTv3bZ98RSSiQG+a+F2xYsKQ=');
  });

  it('uses Emirates IDs that pass the gateway’s check digit, except the one it shows being refused', () => {
    for (const file of ['docs/consent-api.md', 'docs/sdk.md', 'sdk/examples/send-and-poll.ts']) {
      const text = read(file);
      const ids = [...text.matchAll(/784-\d{4}-\d{7}-\d/g)];
      expect(ids.length).toBeGreaterThan(0);
      for (const match of ids) {
        const refusedHere = /^[^.]{0,20}is refused/.test(text.slice(match.index! + match[0].length));
        expect([file, match[0], isEmiratesIdChecksumValid(match[0].replace(/-/g, ''))]).toEqual([file, match[0], !refusedHere]);
      }
    }
  });
});
