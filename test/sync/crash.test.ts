import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { childScript, cliEnv } from '../helpers/sync-env.js';
import { STORE_KINDS, tempDb, type TestDb } from '../helpers/test-db.js';
import { differencesFromApi } from '../helpers/truth.js';

const root = resolve(import.meta.dirname, '../..');
const CLI = join(root, 'dist/cli.js');

/** Runs `authsync sync --once` in a child process; resolves with how it ended. */
function runSync(
  emu: RunningEmulator,
  db: TestDb,
  args: string[],
  crashAt?: string,
): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = execFile(
      'node',
      [CLI, 'sync', '--once', ...args],
      {
        env: cliEnv(emu, { ...db.env, AUTHSYNC_CRASH_AT: crashAt ?? '' }),
      },
      () => {},
    );
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code, signal) => resolvePromise({ code, signal, stderr }));
  });
}

const appliedCount = async (db: TestDb) =>
  Number(
    (
      await db.query<{ n: number }>(
        "SELECT COUNT(*) AS n FROM authsync_events WHERE status = 'applied'",
      )
    )[0]!.n,
  );

for (const kind of STORE_KINDS)
  describe(`crashes (SIGKILL) at every step boundary (${kind})`, () => {
    it('the event path converges, each event applied once', async () => {
      const emu = await startEmulator({ seed: 41, events: 3000 });
      const db = tempDb(kind);
      try {
        let crashes = 0;
        // Catch-up commits up to ~1,000 events at once, so commits are fewer than pages.
        // Each run finds 1,200 new events: 13 pages, 2 commits.
        const counts: Record<string, number[]> = {
          'page-fetched': [1, 5, 11],
          'before-commit': [1, 2],
          'after-commit': [1, 2],
        };
        for (const checkpoint of Object.keys(counts)) {
          for (const n of counts[checkpoint]!) {
            emu.emulator.generateNow(1200);
            const outcome = await runSync(
              emu,
              db,
              ['--no-import', '--settle-ms', '0'],
              `${checkpoint}:${n}`,
            );
            if (outcome.signal === 'SIGKILL') crashes++;
            else expect(outcome.code, outcome.stderr).toBe(0);
          }
        }
        expect(crashes).toBe(7);
        const final = await runSync(emu, db, ['--settle-ms', '0']);
        expect(final.code, final.stderr).toBe(0);
        expect(await appliedCount(db)).toBe(emu.emulator.world.events.length);
        expect(await differencesFromApi(emu, db)).toEqual([]);
      } finally {
        await emu.close();
      }
    }, 120_000);

    it('a crash during the first import restarts it and converges', async () => {
      const emu = await startEmulator({ seed: 42, events: 3000 });
      const db = tempDb(kind);
      try {
        for (const n of [3, 40]) {
          const outcome = await runSync(
            emu,
            db,
            ['--settle-ms', '0'],
            `import-page-committed:${n}`,
          );
          expect(outcome.signal).toBe('SIGKILL');
        }
        const final = await runSync(emu, db, ['--settle-ms', '0']);
        expect(final.code, final.stderr).toBe(0);
        expect(await differencesFromApi(emu, db)).toEqual([]);
      } finally {
        await emu.close();
      }
    }, 60_000);

    it('handlers run at least once per event even when the process dies after one ran', async () => {
      const emu = await startEmulator({ seed: 43, events: 1500 });
      const db = tempDb(kind);
      const { script, log } = childScript(
        `import { appendFileSync } from 'node:fs';
       import { createSync } from '__DIST__/index.js';
       let seen = 0;
       const crashAt = Number(process.env.CRASH_AFTER_EFFECT ?? 0);
       const sync = createSync({ ...${JSON.stringify(db.options)}, importOnFirstRun: false, settleMs: 0,
         checkpoint: (name) => { if (name === 'handler-ran' && ++seen === crashAt) process.kill(process.pid, 'SIGKILL'); } });
       sync.on('user.created', (e) => appendFileSync('__LOG__', e.id + '\\n'), { timeoutMs: 1000 });
       await sync.runOnce();
       await sync.close();`,
      );
      const run = (crash: number) =>
        new Promise<{ code: number | null; signal: string | null }>((r) => {
          const child = execFile('node', [script], {
            env: cliEnv(emu, { CRASH_AFTER_EFFECT: String(crash) }),
          });
          child.on('exit', (code, signal) => r({ code, signal }));
        });
      try {
        expect((await run(25)).signal).toBe('SIGKILL');
        // What the killed process had claimed waits out its lease (5 s with a 1 s timeout).
        await new Promise((r) => setTimeout(r, 5500));
        expect((await run(0)).code).toBe(0);
        const expected = [];
        for (let i = 0; i < emu.emulator.world.events.length; i++) {
          const e = emu.emulator.world.events.at(i)!;
          if (e.type === 'user.created') expected.push(e.id);
        }
        const ran = readFileSync(log, 'utf8').trim().split('\n');
        expect(new Set(ran)).toEqual(new Set(expected));
        // At least once: the handler that ran just before the kill ran again, and so did any
        // other whose result was not yet recorded (up to the 16 in flight, and as many
        // finished while a batch of results was being written).
        expect(ran.length - expected.length).toBeGreaterThanOrEqual(1);
        expect(ran.length - expected.length).toBeLessThanOrEqual(32);
      } finally {
        await emu.close();
      }
    }, 60_000);
  });
