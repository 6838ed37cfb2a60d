import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startAuth0Emulator, type RunningAuth0Emulator } from '../../src/emulator/auth0/server.js';
import { auth0Differences } from '../helpers/auth0-truth.js';
import { STORE_KINDS, tempDb, type TestDb } from '../helpers/test-db.js';

const CLI = join(resolve(import.meta.dirname, '../..'), 'dist/cli.js');

/** `authsync sync --once` for an Auth0 source, in a child process, killed at `crashAt`. */
function runSync(
  emu: RunningAuth0Emulator,
  db: TestDb,
  args: string[],
  crashAt = '',
): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(
      'node',
      [CLI, 'sync', '--once', ...args],
      {
        env: {
          PATH: process.env.PATH,
          ...db.env,
          AUTHSYNC_PROVIDER: 'auth0',
          AUTH0_DOMAIN: emu.url,
          AUTH0_CLIENT_ID: emu.clientId,
          AUTH0_CLIENT_SECRET: emu.clientSecret,
          AUTH0_REQUESTS_PER_MINUTE: '100000',
          AUTHSYNC_CRASH_AT: crashAt,
          LOG_LEVEL: 'warn',
        },
      },
      () => {},
    );
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code, signal) => done({ code, signal, stderr }));
  });
}

for (const kind of STORE_KINDS)
  describe(`an Auth0 source killed (SIGKILL) at every step boundary (${kind})`, () => {
    it('the logs path converges: every log once in the inbox, applied, tables equal to the tenant', async () => {
      const emu = await startAuth0Emulator({ seed: `crash-${kind}`, changes: 500, apiOnly: true });
      const db = tempDb(kind);
      try {
        let crashes = 0;
        for (const [checkpoint, ns] of [
          ['page-fetched', [1, 4]],
          ['before-commit', [1]],
          ['after-commit', [1]],
        ] as const)
          for (const n of ns) {
            emu.emulator.generateNow(600);
            const outcome = await runSync(
              emu,
              db,
              ['--no-import', '--settle-ms', '0'],
              `${checkpoint}:${n}`,
            );
            if (outcome.signal === 'SIGKILL') crashes++;
            else expect(outcome.code, outcome.stderr).toBe(0);
          }
        expect(crashes).toBe(4);
        const final = await runSync(emu, db, ['--settle-ms', '0']);
        expect(final.code, final.stderr).toBe(0);
        const inbox = await db.query<{ id: string; status: string }>(
          'SELECT id, status FROM authsync_events ORDER BY id',
        );
        expect(inbox.map((e) => e.id)).toEqual(
          emu.emulator.tenant.logs.indexed.map((l) => l.log_id),
        );
        expect(new Set(inbox.map((e) => e.status))).toEqual(new Set(['applied']));
        expect(await auth0Differences(emu, db)).toEqual([]);
      } finally {
        await emu.close();
      }
    }, 120_000);

    it('a crash during the first import restarts it and converges', async () => {
      const emu = await startAuth0Emulator({ seed: `crash-import-${kind}`, changes: 1500 });
      const db = tempDb(kind);
      try {
        for (const n of [2, 6]) {
          const outcome = await runSync(
            emu,
            db,
            ['--settle-ms', '0'],
            `import-page-committed:${n}`,
          );
          expect(outcome.signal, outcome.stderr).toBe('SIGKILL');
        }
        const final = await runSync(emu, db, ['--settle-ms', '0']);
        expect(final.code, final.stderr).toBe(0);
        expect(await auth0Differences(emu, db)).toEqual([]);
      } finally {
        await emu.close();
      }
    }, 60_000);
  });
