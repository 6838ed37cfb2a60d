import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../src/stores/sqlite/driver.js';
import { createSync, type CreateSyncOptions } from '../../src/index.js';
import type { RunningEmulator } from '../../src/emulator/index.js';

export const tempDbPath = () => join(mkdtempSync(join(tmpdir(), 'authsync-')), 'sync.db');

/** A Sync pointed at an emulator, configured only by the options given (not by this shell's environment). */
export function syncFor(
  emu: RunningEmulator,
  path: string,
  options: Partial<CreateSyncOptions> = {},
) {
  return createSync({
    apiUrl: emu.url,
    apiKey: emu.apiKey,
    databaseUrl: path,
    env: {},
    ...options,
  });
}

/** Every row of every workos_ table, as text: equal dumps mean nothing changed. */
export function dumpTables(path: string): string {
  const db = openSqlite(path, { readonly: true });
  const tables = (
    db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'workos_%' ORDER BY name",
      )
      .all() as { name: string }[]
  ).map((t) => t.name);
  const out = tables
    .map((t) => `${t}\n${JSON.stringify(db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all())}`)
    .join('\n');
  db.close();
  return out;
}

export async function emulatorChange(emu: RunningEmulator, body: object): Promise<any> {
  const r = await fetch(`${emu.url}/_emulator/changes`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  const json = (await r.json()) as any;
  if (!r.ok) throw new Error(`change ${JSON.stringify(body)} failed: ${JSON.stringify(json)}`);
  return json.result;
}

/** The environment a user sets for the CLI against this emulator (plus anything in `extra`). */
export function cliEnv(
  emu: RunningEmulator,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WORKOS_API_URL: emu.url,
    WORKOS_API_KEY: emu.apiKey,
    LOG_LEVEL: 'warn',
    ...extra,
  };
}
