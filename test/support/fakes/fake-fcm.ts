import { exportPKCS8, exportSPKI, generateKeyPair, importSPKI, jwtVerify } from 'jose';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FcmMessage {
  token: string;
  notification: { title: string; body: string };
  data: Record<string, string>;
  android?: { collapse_key?: string; priority?: string };
  apns?: { headers?: Record<string, string> };
}

/** One messages:send call as the fake saw it. */
export interface FcmSend {
  message: FcmMessage;
  rawBody: string;
  answered: number;
}

/** What to answer to a send: 200, a transient error, FCM's UNREGISTERED, or no answer at all. */
export type FcmAnswer = 'ok' | 'unavailable' | 'unregistered' | 'hang';

const PROJECT = 'muwafaqa-test';
const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

/**
 * A fake FCM HTTP v1 on loopback: the OAuth2 token endpoint of the service account (verifies
 * the RS256 JWT-bearer assertion) and `POST /v1/projects/{id}/messages:send` (verifies the
 * bearer token and the message shape, answers FCM's real error bodies).
 */
export class FakeFcm {
  readonly sends: FcmSend[] = [];
  tokenRequests = 0;
  /** Decides the answer for the n-th (0-based) send to a registration token; default 'ok'. */
  answer: (registrationToken: string, n: number) => FcmAnswer = () => 'ok';
  /** Called when a send arrives (before answering). */
  onSend?: (send: FcmSend) => void;
  url = '';
  serviceAccountFile = '';
  private server?: Server;
  private readonly tokens = new Set<string>();
  private readonly perToken = new Map<string, number>();
  private readonly hanging: ServerResponse[] = [];
  private publicKey?: Awaited<ReturnType<typeof importSPKI>>;
  private clientEmail = 'push@muwafaqa-test.iam.gserviceaccount.com';

  async start(): Promise<this> {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    this.publicKey = await importSPKI(await exportSPKI(publicKey), 'RS256');
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    const dir = mkdtempSync(join(tmpdir(), 'fake-fcm-'));
    this.serviceAccountFile = join(dir, 'service-account.json');
    writeFileSync(
      this.serviceAccountFile,
      JSON.stringify({
        type: 'service_account',
        project_id: PROJECT,
        private_key_id: 'test-key-1',
        private_key: await exportPKCS8(privateKey),
        client_email: this.clientEmail,
        token_uri: `${this.url}/token`,
      }),
    );
    return this;
  }

  env(): Record<string, string> {
    return { FCM_BASE_URL: this.url, FCM_SERVICE_ACCOUNT_FILE: this.serviceAccountFile };
  }

  /** Sends FCM accepted (200). */
  delivered(): FcmSend[] {
    return this.sends.filter((s) => s.answered === 200);
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((ok) => (this.server ? this.server.close(() => ok()) : ok()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'POST' && req.url === '/token') {
      this.tokenRequests++;
      const form = new URLSearchParams(raw);
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return reply(400, { error: 'unsupported_grant_type' });
      try {
        const { payload } = await jwtVerify(form.get('assertion') ?? '', this.publicKey!, {
          algorithms: ['RS256'],
          issuer: this.clientEmail,
          audience: `${this.url}/token`,
        });
        if (payload.scope !== SCOPE) return reply(400, { error: 'invalid_scope' });
      } catch {
        return reply(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
      }
      const token = `ya29.${randomBytes(24).toString('base64url')}`;
      this.tokens.add(token);
      return reply(200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
    }
    if (req.method === 'POST' && req.url === `/v1/projects/${PROJECT}/messages:send`) {
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!bearer || !this.tokens.has(bearer)) return reply(401, fcmError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.'));
      let message: FcmMessage;
      try {
        message = (JSON.parse(raw) as { message: FcmMessage }).message;
      } catch {
        return reply(400, fcmError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.'));
      }
      if (!isWellFormed(message)) return reply(400, fcmError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.', 'INVALID_ARGUMENT'));
      const n = this.perToken.get(message.token) ?? 0;
      this.perToken.set(message.token, n + 1);
      const answer = this.answer(message.token, n);
      const send: FcmSend = { message, rawBody: raw, answered: 0 };
      this.sends.push(send);
      this.onSend?.(send);
      if (answer === 'hang') {
        this.hanging.push(res);
        return;
      }
      if (answer === 'unregistered') {
        send.answered = 404;
        return reply(404, fcmError(404, 'NOT_FOUND', 'Requested entity was not found.', 'UNREGISTERED'));
      }
      if (answer === 'unavailable') {
        send.answered = 503;
        return reply(503, fcmError(503, 'UNAVAILABLE', 'The service is currently unavailable.', 'UNAVAILABLE'));
      }
      send.answered = 200;
      return reply(200, { name: `projects/${PROJECT}/messages/${randomBytes(8).toString('hex')}` });
    }
    reply(404, fcmError(404, 'NOT_FOUND', 'Not found'));
  }
}

function fcmError(code: number, status: string, message: string, errorCode?: string) {
  return {
    error: {
      code,
      message,
      status,
      ...(errorCode ? { details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }] } : {}),
    },
  };
}

function isWellFormed(m: FcmMessage | undefined): boolean {
  return (
    !!m &&
    typeof m.token === 'string' &&
    m.token.length > 0 &&
    typeof m.notification?.title === 'string' &&
    typeof m.notification?.body === 'string' &&
    // FCM data values must all be strings.
    typeof m.data === 'object' &&
    Object.values(m.data).every((v) => typeof v === 'string')
  );
}
