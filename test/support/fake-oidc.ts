import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { adopt } from './children';

export interface FakeOidcAccount {
  password: string;
  name: string;
  email: string;
  groups: string[];
}

export interface FakeOidc {
  issuer: string;
  close(): Promise<void>;
}

export const OPS_CLIENT_ID = 'muwafaqa-ops-console';
export const OPS_CLIENT_SECRET = 'ops-console-client-secret-0123456789';

/** The organisation's accounts the ops-console tests sign in with (groups decide the role). */
export const OPS_ACCOUNTS: Record<'operator' | 'viewer' | 'admin', FakeOidcAccount> = {
  operator: { password: 'operator-pass', name: 'Omar Operator', email: 'omar@ops.example', groups: ['staff', 'muwafaqa-operators'] },
  viewer: { password: 'viewer-pass', name: 'Vera Viewer', email: 'vera@ops.example', groups: ['staff', 'muwafaqa-viewers'] },
  admin: { password: 'admin-pass', name: 'Amal Admin', email: 'amal@ops.example', groups: ['muwafaqa-admins'] },
};

/**
 * Starts a real OpenID provider (oidc-provider) on loopback in a child `node` process: the
 * package is ESM only and wants a newer Node than Jest's module system handles.
 * `redirectUri` is the gateway's /ops/callback, so the provider is started after the gateway
 * knows its port; the gateway discovers the issuer lazily on the first sign-in.
 */
export async function startFakeOidc(redirectUri: string, accounts: Record<string, FakeOidcAccount> = OPS_ACCOUNTS): Promise<FakeOidc> {
  const options = { client: { id: OPS_CLIENT_ID, secret: OPS_CLIENT_SECRET, redirectUri }, accounts };
  const child: ChildProcess = adopt(
    spawn(process.execPath, ['--no-warnings', join(__dirname, 'fake-oidc-server.mjs'), JSON.stringify(options)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const issuer = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`fake OIDC provider did not start: ${stderr}`)), 15_000);
    child.stdout!.on('data', (d) => {
      out += String(d);
      const m = /READY (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`fake OIDC provider exited (${code}): ${stderr}`)));
  });
  return {
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
