import { createServer } from 'node:net';
import { Gateway, startGateway } from '../support/gateway';

/** A free loopback port (the OS picks it; nothing listens on it afterwards). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A gateway whose PUBLIC_URL is the address clients reach it at, as in production: discovery
 * clients check that the metadata's `issuer` is the URL they were given.
 */
export async function startPublicGateway(env: Record<string, string> = {}): Promise<Gateway> {
  const port = await freePort();
  return startGateway({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, ...env });
}
