import { decodeProtectedHeader, exportPKCS8, exportSPKI, generateKeyPair, importSPKI, jwtVerify } from 'jose';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ApnsPush {
  deviceToken: string;
  headers: http2.IncomingHttpHeaders;
  payload: { aps: { alert: { title: string; body: string } }; [k: string]: unknown };
  rawBody: string;
  answered: number;
}

export type ApnsAnswer = 'ok' | 'unavailable' | 'unregistered';

const KEY_ID = 'ABC123DEFG';
const TEAM_ID = 'DEF123GHIJ';
export const APNS_TOPIC = 'ae.muwafaqa.app';

/**
 * A fake APNs provider API over HTTP/2 cleartext (h2c) on loopback: verifies the ES256
 * provider token (kid, iss), the apns-* headers and the payload, and answers APNs' real
 * responses (200 with apns-id, 410 `Unregistered`, 503 `ServiceUnavailable`).
 */
export class FakeApns {
  readonly pushes: ApnsPush[] = [];
  answer: (deviceToken: string, n: number) => ApnsAnswer = () => 'ok';
  url = '';
  keyFile = '';
  private server?: http2.Http2Server;
  private publicKey?: Awaited<ReturnType<typeof importSPKI>>;
  private readonly perToken = new Map<string, number>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();

  async start(): Promise<this> {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    this.publicKey = await importSPKI(await exportSPKI(publicKey), 'ES256');
    const dir = mkdtempSync(join(tmpdir(), 'fake-apns-'));
    this.keyFile = join(dir, `AuthKey_${KEY_ID}.p8`);
    writeFileSync(this.keyFile, await exportPKCS8(privateKey));
    this.server = http2.createServer();
    this.server.on('session', (s) => {
      this.sessions.add(s);
      s.on('close', () => this.sessions.delete(s));
    });
    this.server.on('stream', (stream, headers) => void this.handle(stream, headers));
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  env(): Record<string, string> {
    return { APNS_BASE_URL: this.url, APNS_KEY_FILE: this.keyFile, APNS_KEY_ID: KEY_ID, APNS_TEAM_ID: TEAM_ID, APNS_TOPIC };
  }

  delivered(): ApnsPush[] {
    return this.pushes.filter((p) => p.answered === 200);
  }

  async stop(): Promise<void> {
    for (const s of this.sessions) s.destroy();
    await new Promise<void>((ok) => (this.server ? this.server.close(() => ok()) : ok()));
  }

  private async handle(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const apnsId = String(headers['apns-id'] ?? '');
    const reply = (status: number, reason?: string, extra: Record<string, unknown> = {}) => {
      stream.respond({ ':status': status, 'apns-id': apnsId, ...(reason ? { 'content-type': 'application/json' } : {}) });
      stream.end(reason ? JSON.stringify({ reason, ...extra }) : undefined);
    };
    const path = String(headers[':path']);
    const match = /^\/3\/device\/([0-9a-fA-F]{64})$/.exec(path);
    if (headers[':method'] !== 'POST' || !match) return reply(404, 'BadPath');
    const auth = /^bearer (.+)$/.exec(String(headers.authorization ?? ''))?.[1];
    if (!auth) return reply(403, 'MissingProviderToken');
    try {
      if (decodeProtectedHeader(auth).kid !== KEY_ID) return reply(403, 'InvalidProviderToken');
      const { payload } = await jwtVerify(auth, this.publicKey!, { algorithms: ['ES256'], issuer: TEAM_ID });
      if (typeof payload.iat !== 'number') return reply(403, 'InvalidProviderToken');
    } catch {
      return reply(403, 'InvalidProviderToken');
    }
    if (headers['apns-topic'] !== APNS_TOPIC) return reply(400, 'TopicDisallowed');
    if (headers['apns-push-type'] !== 'alert') return reply(400, 'InvalidPushType');
    if (!/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/i.test(apnsId)) return reply(400, 'BadMessageId');
    const collapse = headers['apns-collapse-id'];
    if (typeof collapse !== 'string' || Buffer.byteLength(collapse) > 64) return reply(400, 'BadCollapseId');
    let payload: ApnsPush['payload'];
    try {
      payload = JSON.parse(raw) as ApnsPush['payload'];
    } catch {
      return reply(400, 'PayloadEmpty');
    }
    if (typeof payload?.aps?.alert?.title !== 'string' || typeof payload.aps.alert.body !== 'string') return reply(400, 'PayloadEmpty');
    if (Buffer.byteLength(raw) > 4096) return reply(413, 'PayloadTooLarge');
    const deviceToken = match[1];
    const n = this.perToken.get(deviceToken) ?? 0;
    this.perToken.set(deviceToken, n + 1);
    const push: ApnsPush = { deviceToken, headers, payload, rawBody: raw, answered: 0 };
    this.pushes.push(push);
    const answer = this.answer(deviceToken, n);
    if (answer === 'unregistered') {
      push.answered = 410;
      return reply(410, 'Unregistered', { timestamp: Date.now() });
    }
    if (answer === 'unavailable') {
      push.answered = 503;
      return reply(503, 'ServiceUnavailable');
    }
    push.answered = 200;
    reply(200);
  }
}
