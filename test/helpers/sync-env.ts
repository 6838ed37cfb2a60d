import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TABLES } from '../../src/schema/index.js';
import { asTestDb, type Queryable, type TestDb } from './test-db.js';
import { createSync, type CreateSyncOptions } from '../../src/index.js';
import type { RunningEmulator } from '../../src/emulator/index.js';

export const tempDbPath = () => join(mkdtempSync(join(tmpdir(), 'authsync-')), 'sync.db');

/** A Sync pointed at an emulator, configured only by the options given (not by this shell's environment). */
export function syncFor(
  emu: RunningEmulator,
  db: TestDb | string,
  options: Partial<CreateSyncOptions> = {},
) {
  return createSync({
    apiUrl: emu.url,
    apiKey: emu.apiKey,
    ...asTestDb(db).options,
    env: {},
    ...options,
  });
}

/** Every row of every product table (or of `tables`), as text: equal dumps mean nothing changed. */
export async function dumpTables(
  target: Queryable | string,
  tables: readonly string[] = Object.keys(TABLES),
): Promise<string> {
  const db = typeof target === 'string' ? asTestDb(target) : target;
  const out: string[] = [];
  for (const t of [...tables].sort())
    out.push(`${t}\n${JSON.stringify(await db.query(`SELECT * FROM ${t} ORDER BY 1, 2`))}`);
  return out.join('\n');
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

/**
 * A Node script of the test's own, run as a child process (to be killed for real), and an
 * empty file for it to record into. In `source`, `__LOG__` stands for the file's path and
 * `__DIST__` for the built package folder (temporary and project paths: no quotes in them).
 */
export function childScript(source: string): { script: string; log: string } {
  const scratch = tempDbPath();
  const log = `${scratch}.log`;
  writeFileSync(log, '');
  const script = `${scratch}.mjs`;
  const dist = join(import.meta.dirname, '../../dist');
  writeFileSync(script, source.replaceAll('__LOG__', log).replaceAll('__DIST__', dist));
  return { script, log };
}

/**
 * A poison event in a new organization's lane (a membership without a role, which the
 * projection cannot apply): the emulator's org, user and the injected event.
 */
export async function injectPoisonMembership(emu: RunningEmulator, tag: string) {
  const org = await emulatorChange(emu, { op: 'organization.create', name: `${tag} Org` });
  const user = await emulatorChange(emu, { op: 'user.create', email: `${tag}@example.com` });
  const poison = await emulatorChange(emu, {
    op: 'event.inject',
    type: 'organization_membership.updated',
    organization_id: org.id,
    data: {
      object: 'organization_membership',
      id: `om_${tag}_poison`,
      organization_id: org.id,
      user_id: user.id,
      status: 'active',
    },
  });
  return { org, user, poison };
}

/**
 * Processes running `script` (from `childScript`) against the emulator, started one at a time
 * with `start`; the test kills `children` at the end.
 */
export function scriptProcesses(emu: RunningEmulator, script: string) {
  const children: ChildProcess[] = [];
  const start = (): ChildProcess => {
    const child = spawn('node', [script], { env: cliEnv(emu), stdio: 'ignore' });
    children.push(child);
    return child;
  };
  return { children, start };
}

/** The pid in a process's name as `processes()` lists it (`authsync:<schema>:<host>:<pid>`). */
export const pidOf = (name: string): number => Number(name.split(':').pop());
