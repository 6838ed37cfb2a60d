import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { FORWARD_SECRET } from './app-endpoint.js';

export interface Received {
  path: string;
  id: string;
  status: number;
  verified: boolean;
  replay: string | null;
  at: number;
}

export type Mode =
  | 'ok'
  | 'down'
  | 'gone'
  | 'abort'
  | 'hang'
  | 'trickle'
  | 'trickle-chunked'
  | 'trickle-headers'
  | 'flood';

/** The verifying receiver (test/helpers/receiver.mjs) in a process of its own. */
export async function startReceiver() {
  const child = spawn(
    process.execPath,
    [new URL('./receiver.mjs', import.meta.url).pathname, FORWARD_SECRET],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`receiver exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', resolve);
  });
  return {
    url,
    /** A destination's URL on this receiver. */
    at: (path: string) => `${url}/${path}`,
    async mode(path: string, mode: Mode) {
      await fetch(`${url}/_control/${path}?mode=${mode}`, { method: 'POST' });
    },
    async log(path?: string): Promise<Received[]> {
      const all = (await (await fetch(`${url}/_control/log`)).json()) as Received[];
      return path ? all.filter((r) => r.path === `/${path}`) : all;
    },
    async close() {
      child.kill();
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    },
  };
}
