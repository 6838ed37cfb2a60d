import { Emulator, type EmulatorOptions } from './emulator.js';
import { createEmulatorApp } from './http/app.js';
import { listen } from './listen.js';

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
  const server = await listen(app.fetch, options);
  return {
    url: server.url,
    apiKey: emulator.apiKey,
    emulator,
    close: async () => {
      emulator.close();
      await server.close();
    },
  };
}
