import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startAuth0Emulator } from '../src/emulator/auth0/server.js';
import { startEmulator } from '../src/emulator/index.js';
import { createSync } from '../src/create-sync.js';
import { runDoctor, serverCheck, type Check } from '../src/doctor.js';
import { FORWARD_SECRET } from './helpers/app-endpoint.js';
import { freePort } from './helpers/postgres-server.js';
import { auth0SyncFor } from './helpers/auth0-truth.js';
import { startReceiver } from './helpers/receiver.js';
import { SECRET, serveFor, serveSync, waitFor } from './helpers/serve-env.js';
import { tempDbPath } from './helpers/sync-env.js';
import { tempDb } from './helpers/test-db.js';

const run = promisify(execFile);
const CLI = new URL('../dist/cli.js', import.meta.url).pathname;

/** `authsync doctor --json` with these settings: its exit code and checks by name. */
async function doctor(env: Record<string, string>, args: string[] = []) {
  const outcome = await run('node', [CLI, 'doctor', '--json', ...args], {
    env: { PATH: process.env.PATH, LOG_LEVEL: 'silent', ...env },
  }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
  );
  const checks = JSON.parse(outcome.stdout) as Check[];
  return { code: outcome.code, checks, by: (name: string) => checks.find((c) => c.check === name) };
}

describe('authsync doctor', () => {
  it('PostgreSQL: names the server; before 14 warns that a reader stopped without dying keeps its role', async () => {
    const emu = await startEmulator({ seed: 92, events: 20 });
    const db = tempDb('postgres');
    const sync = createSync({ apiUrl: emu.url, apiKey: emu.apiKey, ...db.options, env: {} });
    try {
      await sync.migrate();
      const checks = await runDoctor([sync], { stateBudgetMs: 2000 });
      expect(checks.find((c) => c.check === 'database server')).toMatchObject({
        status: 'ok',
        detail: expect.stringMatching(/^PostgreSQL \d{2}\.\d+$/),
      });
    } finally {
      await sync.close();
      await emu.close();
    }
    expect(serverCheck({ name: 'PostgreSQL', version: 130011 })).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/^PostgreSQL 13\.11: before 14 a reader process stopped/),
      fix: expect.stringMatching(/PostgreSQL 14 or later/),
    });
    expect(serverCheck({ name: 'PostgreSQL', version: 90624 }).detail).toMatch(
      /^PostgreSQL 9\.6\.24:/,
    );
    expect(serverCheck({ name: 'PostgreSQL', version: 140000 })).toMatchObject({
      status: 'ok',
      detail: 'PostgreSQL 14.0',
    });
  });

  it('WorkOS: checks every part of the setup, reads only, names each fix, and exits 1 on a failure', async () => {
    const emu = await startEmulator({ seed: 91, events: 300 });
    const rx = await startReceiver();
    const path = tempDbPath();
    const base = { WORKOS_API_URL: emu.url, WORKOS_API_KEY: emu.apiKey, DATABASE_URL: path };
    try {
      // No database yet: named, and none is made.
      const none = await doctor(base);
      expect(none.code).toBe(1);
      expect(none.by('setup')).toMatchObject({ status: 'fail', detail: /does not exist yet/ });
      expect(existsSync(path)).toBe(false);

      await run('node', [CLI, 'sync', '--once'], { env: { ...process.env, ...base } });
      const closed = await freePort();
      const destinations = JSON.stringify([
        { name: 'app', url: rx.at('app'), secrets: [FORWARD_SECRET] },
        { name: 'gone', url: `http://127.0.0.1:${closed}/hook`, secrets: [FORWARD_SECRET] },
      ]);
      const full = await doctor({
        ...base,
        WORKOS_WEBHOOK_SECRET: 'whsec_' + Buffer.from('x'.repeat(32)).toString('base64'),
        AUTHSYNC_DESTINATIONS: destinations,
      });
      expect(full.code).toBe(1);
      expect(full.by('database')?.status).toBe('ok');
      // SQLite is in the process: no server to check.
      expect(full.by('database server')).toBeUndefined();
      expect(full.by('api key')).toMatchObject({
        status: 'ok',
        detail: /no event after the cursor/,
      });
      expect(full.by('state lists')).toMatchObject({ status: 'ok', detail: /user \d+/ });
      expect(full.by('clock')).toMatchObject({ status: 'ok' });
      expect(full.by('retention')).toMatchObject({ status: 'ok', detail: /30 days/ });
      expect(full.by('webhooks')).toMatchObject({ status: 'ok' });
      expect(full.by('destination app')).toMatchObject({ status: 'ok', detail: /answers/ });
      expect(full.by('destination gone')).toMatchObject({
        status: 'fail',
        fix: expect.stringMatching(/URL/),
      });
      // A GET, never a delivery: nothing signed reached the application.
      expect((await rx.log('app')).filter((r) => r.id)).toEqual([]);

      // A refused key names the setting; the webhook secret's absence is a warning, not a failure.
      const refused = await doctor({ ...base, WORKOS_API_KEY: 'sk_test_wrong' });
      expect(refused.code).toBe(1);
      expect(refused.by('api key')).toMatchObject({ status: 'fail', detail: /WORKOS_API_KEY/ });
      expect(refused.by('webhooks')).toMatchObject({ status: 'warn' });

      // A cursor last at the head 29 days ago, of the 30 the provider keeps: at risk.
      const { openSqlite } = await import('../src/stores/sqlite/driver.js');
      const raw = openSqlite(path);
      raw
        .prepare("UPDATE authsync_state SET value = ? WHERE key LIKE '%last_success_at'")
        .run(new Date(Date.now() - 29 * 86_400_000).toISOString());
      raw.close();
      const old = await doctor(base);
      expect(old.code).toBe(1);
      expect(old.by('retention')).toMatchObject({ status: 'fail', fix: /reimport/ });
    } finally {
      await rx.close();
      await emu.close();
    }
  });

  it('a signed test delivery reaches a running serve: accepted and not stored; a wrong secret or URL fails', async () => {
    const emu = await startEmulator({ seed: 92, events: 50 });
    const { sync, service } = await serveFor(emu);
    const path = tempDbPath();
    const base = { WORKOS_API_URL: emu.url, WORKOS_API_KEY: emu.apiKey, DATABASE_URL: path };
    try {
      await run('node', [CLI, 'migrate'], { env: { ...process.env, ...base } });
      await waitFor(async () => (await sync.status()).importedAt !== null, 20_000);
      const inboxBefore = (await sync.status()).inbox;

      const accepted = await doctor({ ...base, WORKOS_WEBHOOK_SECRET: SECRET }, [
        '--serve-url',
        `${service.url}/`,
      ]);
      expect(accepted.by('webhooks')).toMatchObject({
        status: 'ok',
        detail: `a signed test delivery to ${service.url}/webhooks/workos was accepted`,
      });
      const otherSecret = await doctor({ ...base, WORKOS_WEBHOOK_SECRET: 'whsec_not_the_one' }, [
        '--serve-url',
        service.url,
      ]);
      expect(otherSecret.code).toBe(1);
      expect(otherSecret.by('webhooks')).toMatchObject({
        status: 'fail',
        detail: /answered 401 .*does not match/,
        fix: /WORKOS_WEBHOOK_SECRET/,
      });
      // Nothing the tests sent is in the serve's inbox.
      expect((await sync.status()).inbox).toEqual(inboxBefore);

      const closed = await freePort();
      const away = await doctor({ ...base, WORKOS_WEBHOOK_SECRET: SECRET }, [
        '--serve-url',
        `http://127.0.0.1:${closed}`,
      ]);
      expect(away.by('webhooks')).toMatchObject({ status: 'fail', fix: /authsync serve/ });

      // Not a URL: a usage error, before anything is opened.
      const bad = await run('node', [CLI, 'doctor', '--serve-url', 'ftp://x'], {
        env: { PATH: process.env.PATH, ...base },
      }).catch((e: { code: number; stderr: string }) => e);
      expect(bad).toMatchObject({ code: 2, stderr: /--serve-url must be an http\(s\) URL/ });
    } finally {
      await service.stop();
      await emu.close();
    }
  });

  it('Auth0: the test delivery carries the Event Stream credential, and a wrong one is refused', async () => {
    const emu = await startAuth0Emulator({ seed: 'doctor-streams', changes: 20 });
    const sync = auth0SyncFor(emu, tempDbPath(), {
      auth0: { eventStream: { header: 'authorization', value: 'Bearer est-doctor' } },
    });
    const service = await serveSync(sync);
    const env = {
      AUTHSYNC_PROVIDER: 'auth0',
      AUTH0_DOMAIN: emu.url,
      AUTH0_CLIENT_ID: emu.clientId,
      AUTH0_CLIENT_SECRET: emu.clientSecret,
      DATABASE_URL: tempDbPath(),
    };
    try {
      await run('node', [CLI, 'migrate'], { env: { ...process.env, ...env } });
      const right = await doctor({ ...env, AUTH0_EVENT_STREAM_TOKEN: 'est-doctor' }, [
        '--serve-url',
        service.url,
      ]);
      expect(right.by('webhooks')).toMatchObject({ status: 'ok', detail: /auth0 was accepted/ });
      const wrong = await doctor({ ...env, AUTH0_EVENT_STREAM_TOKEN: 'est-other' }, [
        '--serve-url',
        service.url,
      ]);
      expect(wrong.by('webhooks')).toMatchObject({ status: 'fail', detail: /answered 401/ });
      expect((await sync.status()).inbox).toEqual({});
    } finally {
      await service.stop();
      await emu.close();
    }
  });

  it('Auth0: a client without a scope the state lists need is named; a skewed clock fails', async () => {
    // The tenant's clock runs 5 minutes behind this machine's: its Date header says so.
    const emu = await startAuth0Emulator({
      seed: 'doctor',
      changes: 50,
      scopes: ['read:logs', 'read:users', 'read:roles'],
      clock: () => Date.now() - 300_000,
    });
    const path = tempDbPath();
    const env = {
      AUTHSYNC_PROVIDER: 'auth0',
      AUTH0_DOMAIN: emu.url,
      AUTH0_CLIENT_ID: emu.clientId,
      AUTH0_CLIENT_SECRET: emu.clientSecret,
      AUTH0_REQUESTS_PER_MINUTE: '100000',
      DATABASE_URL: path,
    };
    try {
      await run('node', [CLI, 'migrate'], { env: { ...process.env, ...env } });
      const result = await doctor(env);
      expect(result.code).toBe(1);
      expect(result.by('api key')).toMatchObject({ status: 'ok' });
      expect(result.by('state lists')).toMatchObject({
        status: 'fail',
        detail: /read:organizations/,
      });
      expect(result.by('retention')).toMatchObject({ status: 'ok' });
      expect(result.by('clock')).toMatchObject({
        status: 'fail',
        detail: /^(299|300|301) s ahead of the API's clock$/,
        fix: /NTP/,
      });
      // A large tenant's user export waits in a temporary file: the directory must be writable.
      expect(result.by('temporary directory')).toMatchObject({ status: 'ok' });
      const noTemp = await doctor({ ...env, TMPDIR: '/nonexistent-authsync-tmp' });
      expect(noTemp.by('temporary directory')).toMatchObject({
        status: 'fail',
        detail:
          'cannot hold the download in /nonexistent-authsync-tmp (ENOENT): set TMPDIR to a directory this user can write',
        fix: /TMPDIR/,
      });
    } finally {
      await emu.close();
    }
  });
});
