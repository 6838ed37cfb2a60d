import { execFileSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';

/** CHROMIUM_PATH (test/global-setup.ts sets it to a registry package's when none is installed), else PATH. */
function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('which', [name], { encoding: 'utf8' }).trim();
    } catch {
      // not this name
    }
  }
  throw new Error(
    'No Chromium: test/global-setup.ts provides one; outside vitest set CHROMIUM_PATH.',
  );
}

/** Headless Chromium that opens no connection of its own (this machine's network is closed). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
