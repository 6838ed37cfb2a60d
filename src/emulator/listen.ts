import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';

/** Serves `fetch` on a port (0: a free one); resolves with the URL and a close that drops connections. */
export async function listen(
  fetch: Parameters<typeof serve>[0]['fetch'],
  options: { port?: number; hostname?: string },
): Promise<{ url: string; close: () => Promise<void> }> {
  const hostname = options.hostname ?? '127.0.0.1';
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch, port: options.port ?? 0, hostname }, () => resolve(s));
    s.once('error', reject);
  });
  // Long keep-alive, as production load balancers have: with Node's 5 s default, a client busy
  // for ~5 s between requests races the server's close and sees ECONNRESET.
  if ('keepAliveTimeout' in server) {
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${hostname}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
