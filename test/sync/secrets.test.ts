import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { cliEnv, tempDbPath } from '../helpers/sync-env.js';
import { asTestDb } from '../helpers/test-db.js';

const CLI = join(resolve(import.meta.dirname, '../..'), 'dist/cli.js');
const SECRET = 'S3cr3tXq';
const FORWARD_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

/** `authsync sync --once` with these settings: exit code and everything it printed. */
function sync(
  env: NodeJS.ProcessEnv,
  ...flags: string[]
): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile(
      'node',
      [CLI, 'sync', '--once', '--settle-ms', '0', ...flags],
      { env, timeout: 60_000 },
      (error, stdout, stderr) =>
        done({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

/**
 * A secret planted in every setting that can carry one, on every error path those settings
 * reach (a scheme that is not ours, a server that is down, a key that is refused, an endpoint
 * that cannot be reached): it must appear in no output and no stored error, while the message
 * still names the setting to fix.
 */
describe('secrets never reach logs or stored errors', () => {
  it('in DATABASE_URL, WORKOS_API_URL, WORKOS_API_KEY and the forwarding settings', async () => {
    const emu = await startEmulator({ seed: 5, events: 30 });
    try {
      const cases: { env: Record<string, string>; code: number; names: RegExp }[] = [];
      for (const url of [
        `postgress://admin:${SECRET}@127.0.0.1:5432/db`,
        `mysql://root:${SECRET}@127.0.0.1/db`,
        `pg://u:${SECRET}@db.internal/app?password=${SECRET}`,
        `postgres://u:${SECRET}@[::1/db`,
        `postgres://u:p@${SECRET}@127.0.0.1:1/db`,
        `file://u:${SECRET}@remote-host/db.sqlite`,
      ])
        cases.push({ env: { DATABASE_URL: url }, code: 1, names: /DATABASE_URL/ });
      for (const url of [
        `ftp://u:${SECRET}@127.0.0.1/`,
        `http://u:${SECRET}@127.0.0.1:1`,
        `http://127.0.0.1:1/?token=${SECRET}`,
        `${emu.url}/v1/?key=${SECRET}`,
        `not a url ${SECRET}`,
      ])
        cases.push({ env: { WORKOS_API_URL: url }, code: 1, names: /WORKOS_API_URL/ });
      cases.push({
        env: { WORKOS_API_KEY: `sk_test_${SECRET}` },
        code: 1,
        names: /WORKOS_API_KEY/,
      });
      cases.push({
        env: {
          AUTHSYNC_FORWARD_URL: `https://hook:${SECRET}@127.0.0.1:9/in`,
          AUTHSYNC_FORWARD_SECRET: FORWARD_SECRET,
        },
        code: 1,
        names: /AUTHSYNC_FORWARD_URL/,
      });
      cases.push({
        env: { AUTHSYNC_FORWARD_URL: 'http://127.0.0.1:9/', AUTHSYNC_FORWARD_SECRET: SECRET },
        code: 1,
        names: /AUTHSYNC_FORWARD_SECRET/,
      });
      for (const c of cases) {
        const env = cliEnv(emu, { DATABASE_URL: tempDbPath(), LOG_LEVEL: 'info', ...c.env });
        const { code, output } = await sync(env);
        const what = JSON.stringify(c.env);
        expect(code, `${what}: ${output}`).toBe(c.code);
        expect(output, what).toMatch(c.names);
        expect(output, what).not.toContain(SECRET);
      }

      // An endpoint that cannot be reached, its token in the query: the sync succeeds, the
      // forward fails and is retried; neither the warning nor the stored error shows the token.
      const db = tempDbPath();
      const { code, output } = await sync(
        cliEnv(emu, {
          DATABASE_URL: db,
          LOG_LEVEL: 'info',
          AUTHSYNC_FORWARD_URL: `http://127.0.0.1:9/hook?token=${SECRET}`,
          AUTHSYNC_FORWARD_SECRET: FORWARD_SECRET,
        }),
        '--no-import',
      );
      expect(code, output).toBe(0);
      expect(output).toContain('a delivery failed; it will be retried');
      expect(output).not.toContain(SECRET);
      const stored = await asTestDb(db).query<{ last_error: string | null }>(
        `SELECT last_error FROM authsync_deliveries WHERE last_error IS NOT NULL
         UNION ALL SELECT error FROM authsync_delivery_attempts WHERE error IS NOT NULL
         UNION ALL SELECT last_error FROM authsync_destinations WHERE last_error IS NOT NULL`,
      );
      expect(stored.length).toBeGreaterThan(2);
      for (const row of stored) expect(row.last_error).not.toContain(SECRET);
    } finally {
      await emu.close();
    }
  }, 120_000);
});
