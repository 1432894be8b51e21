/**
 * The hand-written baseline of `npm run bench`: what a send must do and nothing more, as someone
 * would write it with Fastify and pg alone, so the gateway's send can be read as a share of it.
 *
 *   - both tokens (X-UP-AccessToken, Authorization: Bearer id_token) verified once (ES256, the
 *     gateway's keys) and then served from a map, as the gateway's verified-token cache does;
 *   - the X-Timestamp window and the HMAC of X-UAEPASS-Signature over the raw body;
 *   - one Redis SET NX PX of the signature's digest (replay);
 *   - a hand check of the body's fields and the identifier's keyed hash;
 *   - the gateway's send statement (SendBatcher's, for one send) as a named prepared statement,
 *     with the same plan_cache_mode, one statement per request (no group commit);
 *   - 201 with the seed's body; a refusal is a bare status code.
 *
 * No Nest, no class-validator, no rate limit, no error catalog, no logging, no metrics.
 * Run by bench/run.ts as a child process with its settings in the environment (see baselineEnv).
 */
import Fastify from 'fastify';
import Redis from 'ioredis';
import { createLocalJWKSet, JSONWebKeySet, jwtVerify } from 'jose';
import { createHash } from 'node:crypto';
import { Pool } from 'pg';
import { normalizeIdentifier } from '../src/consent/identifier-rules';
import { SEND_BATCH_SQL, sendBatchParams } from '../src/consent/consent.repository';
import { uuidV7 } from '../src/database/uuid-v7';
import { verifyRequestSignature } from '../src/security/request-signature';
import { identifierHash } from '../src/common/secret-box';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};

const PATH = '/api/v1/consent/transaction/send';
const spId = env('BASELINE_SP_ID');
const signingSecret = env('BASELINE_SIGNING_SECRET');
const issuer = env('BASELINE_ISSUER');
const jwks = createLocalJWKSet(JSON.parse(env('BASELINE_JWKS')) as JSONWebKeySet);
const hashKey = Buffer.from(env('IDENTIFIER_HASH_KEY'), 'base64');
const ttlSeconds = 600;
const windowMs = 300_000;
const pool = new Pool({ connectionString: env('DATABASE_URL'), max: 20, options: '-c plan_cache_mode=force_generic_plan' });
const redis = new Redis(env('REDIS_URL'));
const prefix = env('REDIS_PREFIX');

const verified = new Map<string, number>();
async function tokenOk(token: string | undefined, typ: string, audience: string): Promise<boolean> {
  if (!token) return false;
  const until = verified.get(token);
  if (until !== undefined) return until > Date.now();
  try {
    const { payload } = await jwtVerify(token, jwks, { algorithms: ['ES256'], issuer, audience, typ });
    if (payload.sub !== spId) return false;
    verified.set(token, Math.min((payload.exp ?? 0) * 1000, Date.now() + 60_000));
    return true;
  } catch {
    return false;
  }
}

const str = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

const app = Fastify({ logger: false });
app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, raw: Buffer, done) => {
  (req as unknown as { rawBody: Buffer }).rawBody = raw;
  try {
    done(null, JSON.parse(raw.toString('utf8')));
  } catch (err) {
    done(err as Error);
  }
});

app.post(PATH, async (req, reply) => {
  const h = req.headers;
  const bearer = typeof h.authorization === 'string' && h.authorization.startsWith('Bearer ') ? h.authorization.slice(7) : undefined;
  if (!(await tokenOk(h['x-up-accesstoken'] as string, 'at+jwt', 'muwafaqa')) || !(await tokenOk(bearer, 'JWT', spId))) return reply.code(401).send();
  const timestamp = h['x-timestamp'] as string;
  const signature = h['x-uaepass-signature'] as string;
  if (!/^\d{1,16}$/.test(timestamp) || Math.abs(Date.now() - Number(timestamp)) > windowMs) return reply.code(401).send();
  if (!signature || !verifyRequestSignature([signingSecret], signature, timestamp, 'POST', req.url, (req as unknown as { rawBody: Buffer }).rawBody))
    return reply.code(401).send();
  const seen = createHash('sha256').update(signature).digest('base64url');
  if ((await redis.set(`${prefix}:{sp:${spId}}:replay:${seen}`, '1', 'PX', 2 * windowMs, 'NX')) !== 'OK') return reply.code(401).send();

  const b = req.body as Record<string, any>;
  const documents = b?.content?.documents;
  if (
    !b ||
    b.spId !== spId ||
    !str(b.spTransactionID, 128) ||
    b.idDocType !== 'EMIRATES_ID' ||
    !str(b.identifier, 64) ||
    !Array.isArray(documents) ||
    !documents.length
  )
    return reply.code(400).send();
  const identifier = normalizeIdentifier('EMIRATES_ID', b.identifier);
  if (!identifier) return reply.code(400).send();
  const docs = [];
  for (const d of documents) {
    if (!str(d?.name, 256) || !str(d.nameAr, 256) || !str(d.type, 256) || !str(d.typeAr, 256) || !Array.isArray(d.metadata)) return reply.code(400).send();
    docs.push({ name: d.name, nameAr: d.nameAr, type: d.type, typeAr: d.typeAr, metadata: d.metadata, mustBeAccepted: d.mustBeAccepted === true });
  }

  const id = uuidV7();
  const requestedById = typeof b.requestedById === 'string' ? b.requestedById : spId;
  const { rows } = await pool.query({
    name: 'consent_send_batch',
    text: SEND_BATCH_SQL,
    values: sendBatchParams([
      {
        id,
        spId,
        spTransactionId: b.spTransactionID,
        identifierHash: identifierHash(hashKey, identifier),
        idDocType: 'EMIRATES_ID',
        requestType: 'spToSp',
        requestedById,
        purpose: typeof b.purpose === 'string' ? b.purpose : null,
        purposeAr: typeof b.purposeAr === 'string' ? b.purposeAr : null,
        requestorName: null,
        requestorNameAr: null,
        requestorIdType: null,
        requestorEnc: null,
        ttlSeconds,
        documents: JSON.stringify(docs),
        actor: `sp:${spId}`,
        consentTerms: null,
        // A send must learn whether a standing consent answers it (issue 21): the same test.
        standingRecipient: `sp:${requestedById}`,
      },
    ]),
  });
  if (!rows[0].user_id) return reply.code(404).send();
  if (!rows[0].written) return reply.code(409).send();
  return reply.code(201).send({ uaePassTransactionID: id, transactionStatus: 'TRIGGERED', spTransactionID: b.spTransactionID });
});

app.listen({ port: Number(env('PORT')), host: '127.0.0.1' }).then(
  () => process.stdout.write('baseline: listening\n'),
  (err: unknown) => {
    process.stderr.write(`baseline: ${String(err)}\n`);
    process.exit(1);
  },
);
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.once(signal, () => {
    void app
      .close()
      .then(() => Promise.all([pool.end(), redis.quit()]))
      .finally(() => process.exit(0));
  });
