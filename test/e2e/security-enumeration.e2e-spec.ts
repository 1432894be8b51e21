import { consentRowCounts } from '../support/consent-rows';
import { createUser, expectCatalogError, http, newEmiratesId, onboardSp, sendBody, SpClient, startWithSpAndUser } from '../support/clients';
import { Gateway } from '../support/gateway';

/** Identifier enumeration through 0001 / CONS_1000003: the seed's codes stay, probing is budgeted and visible. */
describe('identifier probe budget on send and validate', () => {
  let gw: Gateway;

  beforeAll(async () => {
    ({ gw } = await startWithSpAndUser({ IDENTIFIER_PROBE_BUDGET: '3', WORKERS_IN_PROCESS: 'false' }));
  });
  afterAll(async () => {
    await gw?.close();
  });

  const probes = async (spId: string) => {
    const text = (await http(`${gw.url}/metrics`)).text;
    const line = text.split('\n').find((l) => l.startsWith(`muwafaqa_identifier_probe_answers_total{sp_id="${spId}"}`));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  it('keeps the seed codes within the budget, then answers SEC_1000052 (429) to every send and validate of that SP, writing nothing', async () => {
    const sp = await onboardSp(gw);
    const client = new SpClient(gw, sp);
    const unverified = await createUser(gw, { verified: false });
    const known = await createUser(gw);
    const unknownBody = () => sendBody(sp, { ...known, emiratesId: newEmiratesId() });

    expectCatalogError(await client.validate(unknownBody()), 404, '0001');
    expectCatalogError(await client.send(unknownBody()), 404, '0001');
    const unverifiedAnswer = await client.send(sendBody(sp, unverified));
    expect(unverifiedAnswer.body.code).toBe('CONS_1000003');
    expect(await probes(sp.clientId)).toBe(3);

    const before = await consentRowCounts(gw);
    for (const attempt of [() => client.send(unknownBody()), () => client.validate(unknownBody()), () => client.send(sendBody(sp, known))]) {
      const res = await attempt();
      expectCatalogError(res, 429, 'SEC_1000052');
      expect(res.body.desc.ar).toMatch(/^عدد كبير جداً من الطلبات لمعرّفات ليس لها ملف موثق؛ أعد المحاولة بعد \d+ ثانية\.$/);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    // A known, verified identifier is refused too: the 429 tells nothing about any identifier.
    expect(await consentRowCounts(gw)).toEqual(before);
    expect(await probes(sp.clientId)).toBe(3);
    // Status still works: the budget guards only the routes that answer about identifiers.
    expectCatalogError(await client.status('tx-none'), 404, 'CONS_1000010');
  });

  it('keeps one SP’s budget to itself', async () => {
    const other = await onboardSp(gw);
    const user = await createUser(gw);
    expect((await new SpClient(gw, other).send(sendBody(other, user))).status).toBe(201);
  });
});
