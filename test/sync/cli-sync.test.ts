import { execFile } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { cliEnv, emulatorChange, tempDbPath } from '../helpers/sync-env.js';
import { differencesFromApi, truthFromDatabase } from '../helpers/truth.js';

const run = promisify(execFile);
const CLI = join(resolve(import.meta.dirname, '../..'), 'dist/cli.js');

describe('authsync sync, status, replay and dead-letters from the command line', () => {
  it('sync --once, status, dead-letters, replay: as a user runs them', async () => {
    const emu = await startEmulator({ seed: 61, events: 2000 });
    const db = tempDbPath();
    const env = cliEnv(emu, { DATABASE_URL: db });
    try {
      const migrate = await run('node', [CLI, 'migrate'], { env });
      expect(migrate.stdout).toContain('migrations applied');
      const sync = await run('node', [CLI, 'sync', '--once', '--settle-ms', '0'], { env });
      expect(JSON.parse(sync.stdout).imported).toBeGreaterThan(500);
      expect(await differencesFromApi(emu, db)).toEqual([]);

      const org = await emulatorChange(emu, { op: 'organization.create', name: 'CLI Org' });
      const poison = await emulatorChange(emu, {
        op: 'event.inject',
        type: 'organization.updated',
        organization_id: org.id,
        data: { id: org.id },
      });
      await run('node', [CLI, 'sync', '--once', '--settle-ms', '0'], { env });
      const status = await run('node', [CLI, 'status'], { env });
      expect(status.stdout).toMatch(/dead letters\s+1/);
      expect(status.stdout).toMatch(/workos_users\s+[\d,]+/);
      const list = await run('node', [CLI, 'dead-letters'], { env });
      expect(list.stdout).toContain(poison.id);
      expect(list.stdout).toContain(`lane=${org.id}`);
      const skip = await run('node', [CLI, 'dead-letters', 'skip', poison.id], { env });
      expect(JSON.parse(skip.stdout)).toEqual({ applied: 0, stillBlocked: false });
      expect((await run('node', [CLI, 'dead-letters', 'list'], { env })).stdout).toContain(
        'no dead letters',
      );

      // Replay re-applies from a point in time; rows stay equal to WorkOS.
      const replay = await run(
        'node',
        [CLI, 'replay', '--since', new Date(Date.now() - 86_400_000).toISOString()],
        { env },
      );
      expect(JSON.parse(replay.stdout).reapplied).toBeGreaterThan(0);
      expect(await differencesFromApi(emu, db)).toEqual([]);
      const json = JSON.parse((await run('node', [CLI, 'status', '--json'], { env })).stdout);
      expect(json).toMatchObject({ deadLetters: 0, lastError: null });
      expect(json.lagSeconds).toBeGreaterThanOrEqual(0);
      expect(json.cursor.after).toMatch(/^event_/);
    } finally {
      await emu.close();
    }
  });

  it('names the setting to fix: a missing or rejected WORKOS_API_KEY, a bad DATABASE_URL', async () => {
    const emu = await startEmulator({ seed: 62, events: 10 });
    const base = cliEnv(emu, { DATABASE_URL: tempDbPath(), LOG_LEVEL: 'silent' });
    try {
      const missing = await run('node', [CLI, 'sync', '--once'], {
        env: { ...base, WORKOS_API_KEY: '' },
      }).catch((e) => e);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('WORKOS_API_KEY is not set');
      const rejected = await run('node', [CLI, 'sync', '--once'], {
        env: { ...base, WORKOS_API_KEY: 'sk_test_nope' },
      }).catch((e) => e);
      expect(rejected.code).toBe(1);
      expect(rejected.stderr).toMatch(/WORKOS_API_KEY was rejected .*\(401\)/);
      const mysql = await run('node', [CLI, 'status'], {
        env: { ...base, DATABASE_URL: 'mysql://localhost/x' },
      }).catch((e) => e);
      expect(mysql.code).toBe(1);
      expect(mysql.stderr).toContain('DATABASE_URL');
      const schema = await run('node', [CLI, 'status', '--schema', 'Bad-Name'], {
        env: { ...base, DATABASE_URL: 'postgres://127.0.0.1:5432/test' },
      }).catch((e) => e);
      expect(schema.code).toBe(1);
      expect(schema.stderr).toMatch(/schema "Bad-Name".*--schema/);
      // A server that is not there: named, not a stack trace.
      const down = await run('node', [CLI, 'status'], {
        env: { ...base, DATABASE_URL: 'postgres://127.0.0.1:1/test' },
      }).catch((e) => e);
      expect(down.code).toBe(1);
      expect(down.stderr).toMatch(/PostgreSQL at 127\.0\.0\.1:1/);
      // A server that takes the connection and never answers: given up on, not waited on forever.
      const silent = createServer(() => {});
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      const port = (silent.address() as AddressInfo).port;
      try {
        const mute = await run('node', [CLI, 'status'], {
          env: { ...base, DATABASE_URL: `postgres://127.0.0.1:${port}/test` },
          timeout: 40_000,
        }).catch((e) => e);
        expect(mute.killed).toBe(false);
        expect(mute.code).toBe(1);
        expect(mute.stderr).toMatch(
          new RegExp(`PostgreSQL at 127\\.0\\.0\\.1:${port}/test is not usable \\(.*timeout`),
        );
      } finally {
        silent.close();
      }
    } finally {
      await emu.close();
    }
  });
});

describe('authsync sync as a long-running process', () => {
  it('keeps following new events, and stops cleanly (exit 0) on SIGTERM', async () => {
    const emu = await startEmulator({ seed: 63, events: 500 });
    const db = tempDbPath();
    const env = cliEnv(emu, { DATABASE_URL: db });
    const child = execFile('node', [CLI, 'sync', '--settle-ms', '0'], { env });
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) =>
      child.on('exit', (code, signal) => r({ code, signal })),
    );
    try {
      const applied = async () => {
        try {
          return (await truthFromDatabase(db)).workos_users!.size;
        } catch {
          return -1;
        }
      };
      const waitFor = async (predicate: () => Promise<boolean>) => {
        for (let i = 0; i < 100 && !(await predicate()); i++)
          await new Promise((r) => setTimeout(r, 100));
        return predicate();
      };
      expect(await waitFor(async () => (await applied()) > 0)).toBe(true);
      const user = await emulatorChange(emu, { op: 'user.create', email: 'follow.me@example.com' });
      expect(
        await waitFor(async () => (await truthFromDatabase(db)).workos_users!.has(user.id)),
      ).toBe(true);
      child.kill('SIGTERM');
      expect(await exited).toEqual({ code: 0, signal: null });
      expect(await differencesFromApi(emu, db)).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      await emu.close();
    }
  });

  it('shows a progress line with counts and rate on a TTY', async () => {
    const emu = await startEmulator({ seed: 64, events: 20_000 });
    const db = tempDbPath();
    try {
      // `script` gives the command a pseudo-terminal, as a person's shell would.
      const command = `node ${CLI} sync --once --no-import --settle-ms 0 --database-url ${db}`;
      const { stdout } = await run('script', ['-qec', command, '/dev/null'], {
        env: cliEnv(emu),
      });
      // Each redraw returns to the line's start and clears it.
      expect(stdout).toContain('\r\x1b[2K');
      expect(stdout).toMatch(/\[2K[\d,]+ events read \([\d,]+\/s\)/);
    } finally {
      await emu.close();
    }
  });
});
