import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulator/index.js';
import { waitFor } from './helpers/serve-env.js';
import { cliEnv } from './helpers/sync-env.js';
import { PG_URL, tempDb } from './helpers/test-db.js';

const CLI = join(resolve(import.meta.dirname, '..'), 'dist/cli.js');
const execFileAsync = promisify(execFile);

/** The CLI's exit code, stdout and stderr (a non-zero exit is an answer here, not a failure). */
async function cli(args: string[], env: NodeJS.ProcessEnv = process.env) {
  try {
    const { stdout, stderr } = await execFileAsync('node', [CLI, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function schemaExists(schema: string): Promise<boolean> {
  const client = new pg.Client(PG_URL);
  await client.connect();
  try {
    const { rows } = await client.query(
      'SELECT 1 FROM information_schema.schemata WHERE schema_name = $1',
      [schema],
    );
    return rows.length > 0;
  } finally {
    await client.end();
  }
}

describe('commands that are safe to type', () => {
  it('bad usage exits 2 before anything is opened; the message names the option and its bounds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authsync-usage-'));
    const db = join(dir, 'never.db');
    const env = { ...process.env, DATABASE_URL: db, WORKOS_API_KEY: 'sk_test_x' };
    for (const [args, message] of [
      [['serve', '--port', '99999'], '--port must be a whole number from 0 to 65535'],
      [['sync', '--settle-ms', 'abc'], '--settle-ms must be a whole number from 0 to 3600000'],
      [['serve', '--max-body-bytes', '0'], '--max-body-bytes must be a whole number from 1'],
      [['serve', '--reconcile-every', '-5'], '--reconcile-every must be a whole number from 0'],
      [
        ['dead-letters', 'frob'],
        "unknown subcommand 'frob' of dead-letters: use list, retry or skip",
      ],
      [['sync', '--frob'], "unknown option '--frob'"],
      [['frob'], "unknown command 'frob'"],
    ] as const) {
      const result = await cli([...args], env);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toContain(message);
    }
    expect(existsSync(db)).toBe(false);
    // A failure at run time is 1.
    const missing = await cli(['status'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('does not exist yet');
    expect(existsSync(db)).toBe(false);
  });

  it('status and dead-letters on PostgreSQL create nothing: a schema without the tables says to run migrate', async () => {
    const schema = `never_${process.pid}_${Date.now().toString(36)}`;
    const env = { ...process.env, DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema };
    for (const args of [['status'], ['dead-letters', 'list']]) {
      const result = await cli(args, env);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toContain(
        `run \`authsync migrate\` (the schema "${schema}" has no authsync tables)`,
      );
    }
    expect(await schemaExists(schema)).toBe(false);
  });

  for (const kind of ['sqlite', 'postgres'] as const)
    it(`${kind}: a database a newer authsync migrated is refused by every command, naming both versions`, async () => {
      const db = tempDb(kind);
      const env = { ...process.env, ...db.env, WORKOS_API_KEY: 'sk_test_x' };
      expect((await cli(['migrate'], env)).code).toBe(0);
      const [known] = await db.query<{ v: number }>(
        'SELECT MAX(version) AS v FROM authsync_migrations',
      );
      const newer = Number(known!.v) + 1;
      await db.exec(
        `INSERT INTO authsync_migrations (version, name, applied_at) VALUES (${newer}, 'from the future', '2030-01-01T00:00:00.000Z')`,
      );
      for (const args of [['status'], ['migrate'], ['sync', '--once'], ['dead-letters', 'list']]) {
        const result = await cli(args, env);
        expect(result.code, args.join(' ')).toBe(1);
        expect(result.stderr, args.join(' ')).toContain(
          `written by a newer authsync: it is at migration ${newer}, and this authsync knows migrations up to ${newer - 1}`,
        );
      }
    });

  it('Ctrl-C stops sync and sync --once alike: after the transaction in flight, exit 0, and the next run goes on', async () => {
    const emu = await startEmulator({ seed: 'ctrl-c', events: 60_000 });
    const db = tempDb('sqlite');
    const env = cliEnv(emu, { ...db.env, LOG_LEVEL: 'warn' });
    try {
      const count = async () => {
        const [row] = await db
          .query<{ n: number }>('SELECT COUNT(*) AS n FROM authsync_events')
          .catch(() => [{ n: 0 }]);
        return Number(row!.n);
      };
      for (const args of [
        ['sync', '--once', '--no-import'],
        ['sync', '--no-import'],
      ]) {
        const before = await count();
        const child = spawn('node', [CLI, ...args], { env });
        let stderr = '';
        child.stderr.on('data', (chunk) => (stderr += chunk));
        // Stopped in the middle of reading, once it has committed pages of its own.
        await waitFor(async () => (await count()) > before, 20_000);
        child.kill('SIGINT');
        const code = await new Promise<number | null>((r) => child.once('exit', r));
        expect(code, `${args.join(' ')}: ${stderr}`).toBe(0);
        // It was stopped, not done.
        if (args.includes('--once')) {
          expect(await count()).toBeLessThan(60_000);
          expect(stderr).toContain('stopped; the next run continues from the committed cursor');
        }
      }
      // What was committed stays; the next run reads on to the head.
      const rest = await cli(['sync', '--once', '--no-import'], env);
      expect(rest.code).toBe(0);
      const [row] = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM authsync_events');
      expect(Number(row!.n)).toBe(60_000);
    } finally {
      await emu.close();
    }
  });
});

describe('logs and settings as a person at a terminal expects', () => {
  it('on a terminal, log lines are readable, redacted, and written above the progress line', async () => {
    const { stderrLogger } = await import('../src/runtimes/node/logger.js');
    const { progressLine } = await import('../src/runtimes/node/progress.js');
    let out = '';
    const tty = { isTTY: true, write: (s: string) => ((out += s), true) } as NodeJS.WriteStream;
    const progress = progressLine(tty);
    progress.update({ phase: 'events', count: 1200, startedAtMs: Date.now() - 1000 });
    const log = stderrLogger('warn', tty);
    log.warn('reading failed; retrying', {
      error: 'connect to https://user:hunter2@api.example.com refused',
      attempt: 2,
    });
    log.info('below the level: not shown', {});
    const parts = out.split('\r\x1b[2K');
    // The progress line, then the log line in its place with the progress line drawn again.
    expect(parts[1]).toMatch(/^1,200 events read \(\d[\d,]*\/s\)$/);
    expect(parts[2]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} WARN {2}reading failed; retrying {2}error="connect to https:\/\/[^"]*" attempt=2\n1,200 events read/,
    );
    expect(parts).toHaveLength(3);
    expect(out).not.toContain('hunter2');
    expect(out).not.toContain('{"level"');
    progress.done();
    out = '';
    log.error('after the progress line', { n: 1 });
    expect(out).toMatch(/^\d\d:\d\d:\d\d\.\d{3} ERROR after the progress line {2}n=1\n$/);
  });

  it('--env-file: its settings are used, the environment wins, a missing file ends it', async () => {
    const emu = await startEmulator({ seed: 'env-file', events: 200 });
    const dir = mkdtempSync(join(tmpdir(), 'authsync-env-'));
    const fromFile = join(dir, 'from-file.db');
    const fromEnv = join(dir, 'from-env.db');
    const envFile = join(dir, 'settings.env');
    writeFileSync(
      envFile,
      `# settings\nWORKOS_API_URL=${emu.url}\nWORKOS_API_KEY="${emu.apiKey}"\nDATABASE_URL=${fromFile}\n`,
    );
    const { WORKOS_API_KEY: _k, WORKOS_API_URL: _u, DATABASE_URL: _d, ...clean } = process.env;
    try {
      const once = await cli(['sync', '--once', '--env-file', envFile], {
        ...clean,
        LOG_LEVEL: 'warn',
      });
      expect(once.code, once.stderr).toBe(0);
      expect(JSON.parse(once.stdout).imported).toBeGreaterThan(0);
      expect(existsSync(fromFile)).toBe(true);
      const envWins = await cli(['migrate', '--env-file', envFile], {
        ...clean,
        DATABASE_URL: fromEnv,
      });
      expect(envWins.code).toBe(0);
      expect(existsSync(fromEnv)).toBe(true);
      // Node checks the file before authsync starts (exit 9), and stops there when it is missing.
      const missing = await cli(['status', '--env-file', join(dir, 'nope.env')], clean);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain(`${join(dir, 'nope.env')}: not found`);
    } finally {
      await emu.close();
    }
  });
});
