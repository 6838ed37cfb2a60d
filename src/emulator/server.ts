import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Emulator, type EmulatorOptions } from './emulator.js';
import { createEmulatorApp } from './http/app.js';

export interface StartEmulatorOptions extends EmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1: the emulator is for this machine only. */
  hostname?: string;
}

export interface RunningEmulator {
  url: string;
  apiKey: string;
  emulator: Emulator;
  close(): Promise<void>;
}

/** Builds the environment and serves it over HTTP; resolves once listening. */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const emulator = new Emulator(options);
  const app = createEmulatorApp(emulator);
  const hostname = options.hostname ?? '127.0.0.1';
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? 0, hostname }, () => resolve(s));
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
    apiKey: emulator.apiKey,
    emulator,
    close: () =>
      new Promise<void>((resolve) => {
        emulator.close();
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
