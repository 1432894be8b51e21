import { createConnection, createServer, Server, Socket } from 'node:net';
import { freePort } from './redis-topologies';

/**
 * A TCP forwarder on a fixed loopback port in front of a real server. `down()` closes the port
 * (callers get ECONNREFUSED, as from a crashed host) and cuts open connections; `up()` listens
 * on the same port again. Lets a test take a dependency away without touching it.
 */
export interface FaultProxy {
  port: number;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startFaultProxy(targetPort: number, port?: number): Promise<FaultProxy> {
  const p = port ?? (await freePort());
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = () =>
    new Promise<void>((ok, fail) => {
      server = createServer((client) => {
        const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
        sockets.add(client).add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        client.pipe(upstream).pipe(client);
      });
      server.once('error', fail);
      server.listen(p, '127.0.0.1', () => ok());
    });
  const down = async () => {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (s) await new Promise<void>((ok) => s.close(() => ok()));
  };
  await listen();
  return { port: p, down, up: () => (server ? Promise.resolve() : listen()), close: down };
}
