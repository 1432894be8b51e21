import { browse, CookieJar, OpsConsoleSetup, signIn, startOpsConsole } from '../support/ops-console';

/** Findings of the security review on the operators' console (/ops). */
describe('ops console hardening', () => {
  let setup: OpsConsoleSetup;

  beforeAll(async () => {
    setup = await startOpsConsole();
  });
  afterAll(async () => {
    await setup?.close();
  });

  it('ignores another application’s malformed percent-encoded cookie instead of answering 500', async () => {
    const { cookie } = await signIn(setup, 'operator');
    for (const path of ['/ops', '/ops/transactions', '/ops/sps']) {
      const res = await browse(new CookieJar(), `${setup.gw.url}${path}`, { cookie: `other_app=%E0%A4%A; mwq_ops=${cookie}; broken=%` });
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
    }
    // Without a session the console still answers its sign-in refusal, not a 500.
    const anonymous = await browse(new CookieJar(), `${setup.gw.url}/ops`, { cookie: 'other_app=%E0%A4%A' });
    expect(anonymous.status).toBeLessThan(500);
  });

  it('writes the console’s transaction search to the access log, as the API’s search is', async () => {
    const { jar } = await signIn(setup, 'viewer');
    const count = async () => (await setup.gw.db.query(`SELECT count(*)::int AS n FROM access_log WHERE action = 'GET /ops/transactions'`)).rows[0].n;
    const before = await count();
    const res = await browse(jar, `${setup.gw.url}/ops/transactions?status=TRIGGERED`);
    expect(res.status).toBe(200);
    expect(await count()).toBe(before + 1);
    const row = (
      await setup.gw.db.query(`SELECT actor, subject_type, subject_id FROM access_log WHERE action = 'GET /ops/transactions' ORDER BY id DESC LIMIT 1`)
    ).rows[0];
    expect(row).toMatchObject({ subject_type: 'transaction', subject_id: null });
    expect(row.actor).toBe('admin:ops:vera@ops.example'); // the viewer account, as the IdP names it
  });
});
