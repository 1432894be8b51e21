import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { AppConfig } from '../config/config';
import { sampleSendBody } from '../consent/sample-request';
import { catalogEntries, errorBodySchema, errorExamples } from './error-catalog.openapi';

const DOCS_PATH = 'docs';

/** Examples from UAE PASS's published API (the signature test vector in docs/security.md signs this status body). */
const SEED_EXAMPLES: Record<string, Record<string, unknown>> = {
  'POST /api/v1/consent/transaction/send': sampleSendBody({
    identifier: '784-1990-1234567-1',
    spId: 'owner_sp_client_id',
    requestedById: 'requesting_sp_client_id',
    spTransactionID: 'm9mhsb1iy0rqeru53e',
  }),
  'POST /api/v1/consent/transaction/status': { spTransactionID: 'm9mhsb1iy0rqeru53e', spId: 'owner_sp_client_id' },
  'POST /api/v1/consent/transaction/cancel': { spTransactionID: 'm9mhsb1iy0rqeru53e', spId: 'owner_sp_client_id' },
};
SEED_EXAMPLES['POST /api/v1/consent/transaction/validate'] = SEED_EXAMPLES['POST /api/v1/consent/transaction/send'];

/** Builds the OpenAPI document from the running app's routes, plus the catalog and the seed examples. */
export function buildOpenApiDocument(app: NestFastifyApplication, config: AppConfig): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Muwafaqa consent gateway')
    .setVersion('1')
    .setDescription(
      [
        'A UAE PASS-compatible document-sharing consent gateway. SP routes take `X-UP-AccessToken` + `Authorization: Bearer <id_token>` from `POST /oauth2/token`, plus `X-Timestamp` and `X-UAEPASS-Signature`',
        '(base64 HMAC-SHA256 of `<X-Timestamp>\\n<METHOD>\\n<path with query>\\n<hex SHA-256 of the raw body>` keyed with the SP signing secret).',
        'Admin routes take `Authorization: Bearer <access_token>` with scope `muwafaqa:admin`; app routes a user token.',
        '',
        'Every error is `{code, desc:{ar,en}}`: see the `ErrorBody` schema and the `x-error-catalog` extension for every code.',
      ].join('\n'),
    )
    .addServer(config.publicUrl)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-UP-AccessToken' }, 'X-UP-AccessToken');
  const doc = SwaggerModule.createDocument(app, builder.build());
  doc.components = doc.components ?? {};
  doc.components.schemas = { ...doc.components.schemas, ErrorBody: errorBodySchema() as never };
  (doc as OpenAPIObject & { 'x-error-catalog': unknown })['x-error-catalog'] = catalogEntries();

  const examples = errorExamples();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(
      item as Record<string, { responses?: Record<string, unknown>; requestBody?: { content?: Record<string, { example?: unknown }> } }>,
    )) {
      if (!op || typeof op !== 'object' || !('responses' in op)) continue;
      op.responses = {
        ...op.responses,
        default: {
          description: 'An error from the catalog (ErrorBody); the examples list every code',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' }, examples } },
        },
      };
      const seed = SEED_EXAMPLES[`${method.toUpperCase()} ${path}`];
      const json = op.requestBody?.content?.['application/json'];
      if (seed && json) json.example = seed;
    }
  }
  return doc;
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
