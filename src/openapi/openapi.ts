import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { AppConfig } from '../config/config';
import { ConsentCallbackDto } from '../consent/dto/consent-responses.dto';
import { sampleSendBody } from '../consent/sample-request';
import { catalogEntries, errorBodySchema, errorExamples } from './error-catalog.openapi';

const DOCS_PATH = 'docs';

/** Examples from UAE PASS's published API (the signature test vector in docs/security.md signs this status body). */
const SEED_EXAMPLES: Record<string, Record<string, unknown>> = {
  'POST /api/v1/consent/transaction/send': sampleSendBody({
    identifier: '784-1990-1234567-6',
    spId: 'owner_sp_client_id',
    requestedById: 'requesting_sp_client_id',
    spTransactionID: 'm9mhsb1iy0rqeru53e',
  }),
  'POST /api/v1/consent/transaction/status': { spTransactionID: 'm9mhsb1iy0rqeru53e', spId: 'owner_sp_client_id' },
  'POST /api/v1/consent/transaction/cancel': { spTransactionID: 'm9mhsb1iy0rqeru53e', spId: 'owner_sp_client_id' },
};
SEED_EXAMPLES['POST /api/v1/consent/transaction/validate'] = SEED_EXAMPLES['POST /api/v1/consent/transaction/send'];

type Operation = {
  summary?: string;
  security?: Record<string, string[]>[];
  responses?: Record<string, unknown>;
  requestBody?: { content?: Record<string, { example?: unknown }> };
  callbacks?: Record<string, unknown>;
};

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
/** Security scheme names (components.securitySchemes). */
const BEARER = 'bearer';
const UP_ACCESS_TOKEN = 'X-UP-AccessToken';
const CLIENT_BASIC = 'client_secret_basic';

/** The SP callback as an OpenAPI `callbacks` object: what the gateway POSTs to the SP's callbackUrl. */
function spCallback() {
  const header = (name: string, description: string, required = true) => ({ name, in: 'header', required, schema: { type: 'string' }, description });
  return {
    consentDecided: {
      // The URL is the SP's callbackUrl registered at onboarding (POST /admin/v1/service-providers), not part of the request.
      'https://sp.example.ae/api/v1/consent/transaction/callback': {
        post: {
          summary: 'Muwafaqa calls the SP back when the user decides, the request expires or INIT_FAILED, or a consent is revoked',
          description:
            'Sent to the callbackUrl registered at onboarding. Verify before parsing: X-API-Key is the key you registered; X-UAEPASS-Signature is the same scheme as your requests (keyed with your signing secret) over the path and raw body received. Any non-2xx answer or a timeout is retried with backoff; polling status always works.',
          operationId: 'spConsentCallback',
          security: [],
          parameters: [
            header('X-API-Key', 'The callback API key the SP registered (absent when it registered none)', false),
            header('X-Timestamp', 'Unix time in milliseconds'),
            header('X-UAEPASS-Signature', 'base64 HMAC-SHA256 of `<X-Timestamp>\\n<METHOD>\\n<path with query>\\n<hex SHA-256 of the raw body>`'),
            header('X-Muwafaqa-Event-Id', 'Stable event id, the same on every retry: deduplicate on it'),
            header('X-Muwafaqa-Event-Time', 'When the event happened'),
            header('X-Muwafaqa-Event-Sequence', 'Order of the event within its transaction'),
            header('webhook-id', 'Standard Webhooks, when the SP has a webhook secret', false),
            header('webhook-timestamp', 'Standard Webhooks, when the SP has a webhook secret', false),
            header('webhook-signature', 'Standard Webhooks, when the SP has a webhook secret', false),
          ],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/ConsentCallbackDto' } } } },
          responses: {
            '200': { description: 'Received (any 2xx)' },
            '401': { description: 'Refused by the SP (bad key or signature); retried with backoff' },
          },
        },
      },
    },
  };
}

/** Builds the OpenAPI document from the running app's routes, plus the catalog and the seed examples. */
export function buildOpenApiDocument(app: NestFastifyApplication, config: AppConfig): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Muwafaqa consent gateway')
    .setVersion('1')
    .setLicense('Proprietary', `${config.publicUrl.replace(/\/+$/, '')}/docs`)
    .setDescription(
      [
        'A UAE PASS-compatible document-sharing consent gateway. The machine-readable document: [/docs-json](/docs-json); discovery: [/.well-known/openid-configuration](/.well-known/openid-configuration).',
        '',
        'SP routes take `X-UP-AccessToken: <access_token>` + `Authorization: Bearer <id_token>` from `POST /oauth2/token` (or `Authorization: Bearer <access_token>` alone; the scheme is case-insensitive), plus `X-Timestamp` (Unix ms) and `X-UAEPASS-Signature`',
        '(base64 HMAC-SHA256 of `<X-Timestamp>\\n<METHOD>\\n<path with query>\\n<hex SHA-256 of the raw body>` keyed with the UTF-8 bytes of the SP signing secret).',
        'Admin routes take `Authorization: Bearer <access_token>` with scope `muwafaqa:admin`; app routes a user token.',
        '',
        'Every error is `{code, desc:{ar,en}}`: see the `ErrorBody` schema and the `x-error-catalog` extension for every code.',
      ].join('\n'),
    )
    .addServer(config.publicUrl)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER)
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-UP-AccessToken' }, UP_ACCESS_TOKEN)
    .addBasicAuth({ type: 'http', scheme: 'basic', description: 'client_id:client_secret (form-urlencoded, then base64)' }, CLIENT_BASIC);
  const doc = SwaggerModule.createDocument(app, builder.build(), { extraModels: [ConsentCallbackDto] });
  doc.components = doc.components ?? {};
  doc.components.schemas = { ...doc.components.schemas, ErrorBody: errorBodySchema() as never };
  (doc as OpenAPIObject & { 'x-error-catalog': unknown })['x-error-catalog'] = catalogEntries();
  addErrorResponses(doc);

  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item as Record<string, Operation>)) {
      if (!HTTP_METHODS.includes(method) || !op || typeof op !== 'object') continue;
      op.responses = { ...op.responses, '4XX': { $ref: '#/components/responses/ClientError' }, '5XX': { $ref: '#/components/responses/ServerError' } };
      // A route with no security declared is public: say so rather than leave it unstated.
      op.security = op.security ?? [];
      const seed = SEED_EXAMPLES[`${method.toUpperCase()} ${path}`];
      const json = op.requestBody?.content?.['application/json'];
      if (seed && json) json.example = seed;
    }
  }
  const token = (doc.paths['/oauth2/token'] as Record<string, Operation> | undefined)?.post;
  if (token) token.security = [{ [CLIENT_BASIC]: [] }, {}];
  const send = (doc.paths['/api/v1/consent/transaction/send'] as Record<string, Operation> | undefined)?.post;
  if (send) send.callbacks = spCallback();
  return doc;
}

/** Errors once in components (examples per code, one response per class), referenced by every operation. */
function addErrorResponses(doc: OpenAPIObject): void {
  const entries = catalogEntries();
  const examples = errorExamples();
  const exampleName = (code: string) => `Error_${code}`;
  doc.components!.examples = { ...doc.components!.examples, ...Object.fromEntries(entries.map((e) => [exampleName(e.code), examples[e.code]])) };
  const response = (description: string, codes: string[]) => ({
    description,
    content: {
      'application/json': {
        schema: { $ref: '#/components/schemas/ErrorBody' },
        examples: Object.fromEntries(codes.map((code) => [code, { $ref: `#/components/examples/${exampleName(code)}` }])),
      },
    },
  });
  doc.components!.responses = {
    ...doc.components!.responses,
    ClientError: response(
      'A catalog error caused by the request (ErrorBody); the examples list every 4xx code',
      entries.filter((e) => e.status < 500).map((e) => e.code),
    ),
    ServerError: response(
      'The gateway or a dependency failed (ErrorBody); nothing was written',
      entries.filter((e) => e.status >= 500).map((e) => e.code),
    ),
  };
}

/** Swagger UI at /docs and the document at /docs-json. */
export function setupOpenApi(app: NestFastifyApplication, config: AppConfig): void {
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApiDocument(app, config), {
    jsonDocumentUrl: `${DOCS_PATH}-json`,
    customSiteTitle: 'Muwafaqa API',
  });
  // Helmet's CSP (app-wide) blocks Swagger UI's inline bootstrap: relax it for /docs only.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', (req, reply, payload, done) => {
      if (req.url === `/${DOCS_PATH}` || req.url.startsWith(`/${DOCS_PATH}/`)) {
        void reply.header(
          'content-security-policy',
          "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:",
        );
      }
      done(null, payload);
    });
}
