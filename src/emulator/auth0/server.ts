import { Auth0Emulator, type Auth0EmulatorOptions } from './emulator.js';
import { createAuth0App } from './http/app.js';
import { listen } from '../listen.js';

export interface StartAuth0EmulatorOptions extends Auth0EmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1: the emulator is for this machine only. */
  hostname?: string;
}

export interface RunningAuth0Emulator {
  /** Where the tenant answers (`AUTH0_DOMAIN` is its host and port). */
  url: string;
  clientId: string;
  clientSecret: string;
  emulator: Auth0Emulator;
  close(): Promise<void>;
}

/** Builds the tenant and serves it over HTTP; resolves once listening. */
export async function startAuth0Emulator(
  options: StartAuth0EmulatorOptions = {},
): Promise<RunningAuth0Emulator> {
  const emulator = new Auth0Emulator(options);
  const app = createAuth0App(emulator);
  const server = await listen(app.fetch, options);
  return {
    url: server.url,
    clientId: emulator.tokens.client.clientId,
    clientSecret: emulator.tokens.client.clientSecret,
    emulator,
    close: async () => {
      emulator.close();
      await server.close();
    },
  };
}
