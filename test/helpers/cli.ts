import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Starts `authsync emulator ...` (or any command printing the JSON ready line) and waits for the line. */
export async function spawnEmulator(
  command: string,
  args: string[],
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<{
  child: ChildProcess;
  url: string;
  apiKey: string;
  readyMs: number;
  /** Stops the command and every process it started. */
  stop(): void;
}> {
  const started = performance.now();
  // A process group of its own: `npx` starts the emulator as a child it does not stop when
  // told to, so `stop()` signals the whole group (it left orphans running before).
  const child = spawn(command, args, {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const stop = () => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout! });
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(
        new Error(`no ready line within ${options.timeoutMs ?? 30_000} ms; stderr: ${stderr}`),
      );
    }, options.timeoutMs ?? 30_000);
    lines.once('line', (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ready; stderr: ${stderr}`));
    });
  });
  const { url, apiKey } = JSON.parse(line) as { url: string; apiKey: string };
  return { child, url, apiKey, readyMs: performance.now() - started, stop };
}
