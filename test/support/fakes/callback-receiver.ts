import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { verifyRequestSignature } from '../../../src/security/request-signature';

export interface ReceivedCallback {
  method: string;
  /** Request target as sent (path with query): what the signature covers. */
  path: string;
  headers: IncomingMessage['headers'];
  rawBody: string;
  body: { spTransactionID: string; status: string; uaePassTransactionID: string };
  /** Status this fake answered with. */
  answered: number;
}

/**
 * A fake SP callback endpoint on loopback, speaking the real protocol: it records every POST
 * (raw bytes included) and answers 200, or what `respondWith` says for the n-th call.
 */
export class CallbackReceiver {
  readonly received: ReceivedCallback[] = [];
  /** Answers for the 1st, 2nd, … call; after the list runs out, 200. */
  respondWith: number[] = [];
  /** Delays (ms) before answering the 1st, 2nd, … call: longer than the gateway's timeout makes it give up. */
  delaysMs: number[] = [];
  private server?: Server;
  url = '';

  async start(path = '/api/v1/consent/transaction/callback'): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        const answered = this.respondWith[this.received.length] ?? 200;
        let body: ReceivedCallback['body'];
        try {
          body = JSON.parse(rawBody);
        } catch {
          body = { spTransactionID: '', status: '', uaePassTransactionID: '' };
        }
        const delay = this.delaysMs[this.received.length] ?? 0;
        this.received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, rawBody, body, answered });
        const answer = () => {
          if (!res.destroyed) res.writeHead(answered, { 'content-type': 'application/json' }).end(answered < 300 ? '{"ok":true}' : '{"error":"down"}');
        };
        if (delay > 0) setTimeout(answer, delay).unref();
        else answer();
      });
    });
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}${path}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((ok) => (this.server ? this.server.close(() => ok()) : ok()));
  }

  /** Calls for one transaction, in arrival order. */
  for(uaePassTransactionID: string): ReceivedCallback[] {
    return this.received.filter((c) => c.body.uaePassTransactionID === uaePassTransactionID);
  }

  /** Waits (polling, with a deadline) until a callback matching `match` has arrived. */
  async waitFor(match: (c: ReceivedCallback) => boolean, timeoutMs = 5000): Promise<ReceivedCallback> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.received.find(match);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no matching callback within ${timeoutMs} ms; got ${JSON.stringify(this.received.map((c) => c.body))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** True when a callback carries the SP's API key and a valid X-UAEPASS-Signature under its signing secret. */
export function isCorrectlySigned(cb: ReceivedCallback, signingSecret: string, apiKey: string): boolean {
  return (
    cb.headers['x-api-key'] === apiKey &&
    verifyRequestSignature([signingSecret], String(cb.headers['x-uaepass-signature']), String(cb.headers['x-timestamp']), cb.method, cb.path, cb.rawBody)
  );
}
