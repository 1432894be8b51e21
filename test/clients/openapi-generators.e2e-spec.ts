/**
 * The served OpenAPI document as generators and linters see it: Redocly's recommended ruleset
 * passes with no errors, and an SP program type-checks against openapi-typescript's output.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { http } from '../support/clients';
import { Gateway, startGateway } from '../support/gateway';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');
const bin = (path: string) => join(ROOT, 'node_modules', path);

type Operation = {
  summary?: string;
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  requestBody?: { content: Record<string, { schema?: unknown }> };
  callbacks?: Record<string, unknown>;
};

describe('the OpenAPI document (/docs-json)', () => {
  let gw: Gateway;
  let work: string;
  let doc: { paths: Record<string, Record<string, Operation>>; components: Record<string, any>; info: { description: string } };
  let file: string;

  beforeAll(async () => {
    gw = await startGateway();
    work = mkdtempSync(join(tmpdir(), 'muwafaqa-openapi-'));
    const res = await http(`${gw.url}/docs-json`);
    expect(res.status).toBe(200);
    doc = res.body;
    file = join(work, 'openapi.json');
    writeFileSync(file, res.text);
  });
  afterAll(async () => {
    await gw?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })));

  it('passes Redocly’s recommended ruleset with no errors', async () => {
    const lint = await run(process.execPath, [bin('@redocly/cli/bin/cli.js'), 'lint', '--extends', 'recommended', '--format', 'json', file], {
      cwd: work,
      // No telemetry and no update check: the test talks to nothing but files and the loopback gateway.
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    }).catch((err: { stdout: string; stderr: string }) => err);
    const report = JSON.parse(lint.stdout.slice(lint.stdout.indexOf('{')));
    const errors = report.problems.filter((p: { severity: string }) => p.severity === 'error');
    expect(errors.map((p: { ruleId: string; message: string }) => `${p.ruleId}: ${p.message}`)).toEqual([]);
  }, 120_000);

  it('gives every operation a summary, declared security (public routes `[]`) and a schema for each success answer', () => {
    const gaps: string[] = [];
    for (const { route, op } of operations()) {
      if (!op.summary) gaps.push(`${route}: no summary`);
      if (!op.security) gaps.push(`${route}: no security`);
      for (const [status, response] of Object.entries(op.responses)) {
        if (!status.startsWith('2') || status === '204') continue;
        const media = Object.values(response.content ?? {});
        if (media.length === 0 || media.some((m) => !m.schema)) gaps.push(`${route}: ${status} has no schema`);
      }
    }
    expect(gaps).toEqual([]);
    expect(doc.paths['/.well-known/openid-configuration'].get.security).toEqual([]);
    expect(doc.paths['/health/live'].get.security).toEqual([]);
  });

  it('lists both SP security schemes, describes the token form and answer, and the SP callback', () => {
    expect(doc.components.securitySchemes).toMatchObject({
      'X-UP-AccessToken': { type: 'apiKey', in: 'header', name: 'X-UP-AccessToken' },
      bearer: { type: 'http', scheme: 'bearer' },
    });
    const send = doc.paths['/api/v1/consent/transaction/send'].post;
    expect(send.security).toEqual([{ 'X-UP-AccessToken': [], bearer: [] }, { bearer: [] }]);
    const token = doc.paths['/oauth2/token'].post;
    expect(token.requestBody!.content['application/x-www-form-urlencoded'].schema).toEqual({ $ref: '#/components/schemas/TokenRequestDto' });
    expect(token.responses['200'].content!['application/json'].schema).toEqual({ $ref: '#/components/schemas/TokenResponseDto' });
    const [callback] = Object.values(send.callbacks!.consentDecided as Record<string, { post: Operation }>);
    expect(callback.post.requestBody!.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ConsentCallbackDto' });
  });

  it('types callbackUrl and consentTtlSeconds as string and integer, and uses a valid sandbox Emirates ID', () => {
    for (const name of ['CreateServiceProviderDto', 'UpdateServiceProviderDto', 'ServiceProviderViewDto']) {
      const props = doc.components.schemas[name].properties;
      expect([name, props.callbackUrl.type, props.consentTtlSeconds.type]).toEqual([name, 'string', 'integer']);
    }
    expect(JSON.stringify(doc)).not.toContain('784-1990-1234567-1');
    expect(JSON.stringify(doc)).toContain('784-1990-1234567-6');
  });

  it('links /docs-json from /docs', async () => {
    expect(doc.info.description).toContain('(/docs-json)');
    const page = await http(`${gw.url}/docs`);
    expect(page.status).toBe(200);
    const init = await http(`${gw.url}/docs/swagger-ui-init.js`);
    expect(init.text).toContain('](/docs-json)');
  });

  it('has every admin route in the quick start’s admin table (docs/consent-api.md)', () => {
    const page = readFileSync(join(ROOT, 'docs/consent-api.md'), 'utf8');
    const table = page.slice(page.indexOf('<!-- admin-routes -->'), page.indexOf('\n## ', page.indexOf('<!-- admin-routes -->')));
    const undocumented = operations()
      .map((o) => o.route)
      .filter((route) => route.split(' ')[1].startsWith('/admin/'))
      .filter((route) => !table.includes(`| \`${route}\` |`));
    expect(undocumented).toEqual([]);
  });

  it('generates types with openapi-typescript that an SP program type-checks against', async () => {
    const types = join(work, 'api.d.ts');
    await run(process.execPath, [bin('openapi-typescript/bin/cli.js'), file, '--output', types], { cwd: work });
    copyFileSync(join(__dirname, 'openapi-sp/sp-program.ts'), join(work, 'sp-program.ts'));
    const tsc = [bin('typescript/bin/tsc'), '--noEmit', '--strict', '--skipLibCheck', '--module', 'commonjs', '--target', 'es2022', '--types', 'node'];
    const result = await run(process.execPath, [...tsc, '--typeRoots', bin('@types'), 'sp-program.ts'], { cwd: work }).catch((err: { stdout: string }) => err);
    expect(result.stdout).toBe('');
  }, 120_000);
});
