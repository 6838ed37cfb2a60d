import { execFile, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WorkOS } from '@workos-inc/node';
import { describe, expect, it } from 'vitest';
import { spawnEmulator } from './helpers/cli.js';

const run = promisify(execFile);
const CLI = 'dist/cli.js';

async function readAllWithSdk(url: string, apiKey: string): Promise<string[]> {
  const { hostname, port } = new URL(url);
  const workos = new WorkOS(apiKey, { apiHostname: hostname, port: Number(port), https: false });
  const ids: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await workos.events.listEvents({ events: [], after, limit: 100, order: 'asc' });
    ids.push(...page.data.map((e) => e.id));
    if (!page.listMetadata.after || page.data.length === 0) return ids;
    after = page.data[page.data.length - 1]!.id;
  }
}

describe('authsync emulator (the CLI, as a newcomer runs it)', () => {
  it('is ready in under 5 s with 10,000 events, prints one JSON line, and the SDK reads them all', async () => {
    const emu = await spawnEmulator('node', [CLI, 'emulator', '--seed', '1', '--events', '10000']);
    try {
      expect(emu.readyMs).toBeLessThan(5000);
      expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(emu.apiKey).toMatch(/^sk_test_[0-9a-f]{32}$/);
      const ids = await readAllWithSdk(emu.url, emu.apiKey);
      expect(ids).toHaveLength(10_000);
      expect(new Set(ids).size).toBe(10_000);
    } finally {
      emu.stop();
    }
  });

  it('takes --port, --api-key and fault flags', async () => {
    const emu = await spawnEmulator('node', [
      CLI,
      'emulator',
      '--port',
      '0',
      '--api-key',
      'sk_test_fixed',
      '--events',
      '5',
      '--error-rate',
      '1',
    ]);
    try {
      expect(emu.apiKey).toBe('sk_test_fixed');
      const r = await fetch(`${emu.url}/events`, {
        headers: { authorization: 'Bearer sk_test_fixed' },
      });
      expect(r.status).toBeGreaterThanOrEqual(500);
      const status = (await (await fetch(`${emu.url}/_emulator/status`)).json()) as {
        events: number;
      };
      expect(status.events).toBe(5);
    } finally {
      emu.stop();
    }
  });

  it('rejects bad flags with a message naming the flag, and exits 2 (bad usage)', async () => {
    for (const [args, text] of [
      [['--events', '-3'], '--events'],
      [['--error-rate', '2'], '--error-rate'],
      [['--webhook-url', 'http://127.0.0.1:9/x'], '--webhook-secret'],
    ] as const) {
      const error = await run('node', [CLI, 'emulator', ...args]).catch(
        (e: { code: number; stderr: string }) => e,
      );
      expect('code' in error && error.code, args.join(' ')).toBe(2);
      expect((error as { stderr: string }).stderr, args.join(' ')).toContain(text);
    }
  });

  it('authsync demo syncs a generated history into a SQLite file and exits 0', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'authsync-demo-')), 'demo.db');
    const { stdout } = await run('node', [
      CLI,
      'demo',
      '--events',
      '3000',
      '--live',
      '500',
      '--database-url',
      db,
    ]);
    expect(stdout).toMatch(/first import: [\d,]+ objects from the list endpoints/);
    expect(stdout).toContain('followed 500 new events');
    const status = await run('node', [CLI, 'status', '--json', '--database-url', db]);
    const report = JSON.parse(status.stdout);
    expect(report.rows.workos_users).toBeGreaterThan(100);
    expect(report.deadLetters).toBe(0);
    expect(report.lastError).toBeNull();
  });

  it('ends quietly with exit 0 when its reader goes away (authsync status | head)', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'authsync-pipe-')), 'a.db');
    await run('node', [CLI, 'migrate', '--database-url', db]);
    const child = spawn('node', [CLI, 'status', '--database-url', db], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Closed before the CLI writes its first line: every write fails with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('names DATABASE_URL and what to check when the SQLite file cannot be opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authsync-paths-'));
    writeFileSync(join(dir, 'not-a-db.db'), 'these bytes are no database\n'.repeat(200));
    const cases: [string, RegExp][] = [
      [join(dir, 'missing', 'sync.db'), /directory/],
      [join(dir, 'not-a-db.db'), /not a (SQLite )?database/],
      [dir, /read and write|unable to open/],
    ];
    for (const [path, why] of cases) {
      const failed = await run('node', [CLI, 'migrate'], {
        env: { ...process.env, DATABASE_URL: path },
      }).catch((error: { code: number; stderr: string }) => error);
      expect('code' in failed && failed.code, path).toBe(1);
      const stderr = (failed as { stderr: string }).stderr;
      expect(stderr, path).toContain('DATABASE_URL');
      expect(stderr, path).toContain(path);
      expect(stderr, path).toMatch(why);
    }
    // `status` only reads: it creates no database, and says which command does.
    const missing = join(dir, 'none.db');
    const none = await run('node', [CLI, 'status'], {
      env: { ...process.env, DATABASE_URL: missing },
    }).catch((error: { code: number; stderr: string }) => error);
    expect('code' in none && none.code).toBe(1);
    expect((none as { stderr: string }).stderr).toMatch(/does not exist yet: `authsync sync`/);
    expect(existsSync(missing)).toBe(false);
  });

  it('refuses a LOG_LEVEL that is not a level, naming it, before opening anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authsync-level-'));
    const failed = await run('node', [CLI, 'migrate'], {
      env: { ...process.env, DATABASE_URL: join(dir, 'sync.db'), LOG_LEVEL: 'loud' },
    }).catch((error: { code: number; stderr: string }) => error);
    expect('code' in failed && failed.code).toBe(1);
    expect((failed as { stderr: string }).stderr).toMatch(/LOG_LEVEL "loud" is not a log level/);
    expect(existsSync(join(dir, 'sync.db'))).toBe(false);
  });

  it('status reads a database this user cannot write (read-only directory or mount), and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authsync-readonly-'));
    const db = join(dir, 'sync.db');
    await run('node', [CLI, 'demo', '--database-url', db]);
    const expected = JSON.parse(
      (await run('node', [CLI, 'status', '--json', '--database-url', db])).stdout,
    ) as { rows: unknown };
    // A writer closes last (as a stopped service would): no -wal or -shm is left beside it.
    await run('node', [CLI, 'migrate', '--database-url', db]);
    expect(existsSync(`${db}-shm`)).toBe(false);
    const before = readFileSync(db);
    // Root ignores file modes: it gets a read-only mount of the directory instead. Either way
    // SQLite cannot create the WAL's -shm file beside the database.
    const root = process.getuid?.() === 0;
    if (root) {
      execFileSync('mount', ['--bind', dir, dir]);
      execFileSync('mount', ['-o', 'remount,bind,ro', dir]);
    } else {
      chmodSync(db, 0o444);
      chmodSync(dir, 0o555);
    }
    try {
      const status = await run('node', [CLI, 'status', '--json', '--database-url', db]);
      expect((JSON.parse(status.stdout) as { rows: unknown }).rows).toEqual(expected.rows);
      // Opening it to write is refused, naming the setting.
      const migrate = await run('node', [CLI, 'migrate', '--database-url', db]).catch(
        (error: { code: number; stderr: string }) => error,
      );
      expect('code' in migrate && migrate.code).toBe(1);
      expect((migrate as { stderr: string }).stderr).toContain('DATABASE_URL');
    } finally {
      if (root) execFileSync('umount', [dir]);
      else chmodSync(dir, 0o755);
    }
    expect(readFileSync(db).equals(before)).toBe(true);
    expect(existsSync(`${db}-shm`)).toBe(false);
  });
});
