import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { signWorkOSWebhook } from '../../src/emulator/webhooks.js';
import { metricValue, SECRET, serveFor, waitFor } from '../helpers/serve-env.js';
import { cliEnv, tempDbPath } from '../helpers/sync-env.js';
import { differencesFromApi } from '../helpers/truth.js';

const CLI = join(resolve(import.meta.dirname, '../..'), 'dist/cli.js');

describe('authsync serve: health, readiness, metrics, shutdown', () => {
  it('/healthz, /readyz and /metrics; readiness fails while the reader is stalled', async () => {
    const emu = await startEmulator({ seed: 91, events: 300 });
    const served = await serveFor(emu, { settleMs: 0, maxAttempts: 1 }, { stalledAfterMs: 1000 });
    const get = (path: string) => fetch(`${served.service.url}${path}`);
    try {
      await waitFor(() => served.sync.lastReadOkAtMs !== null, 10_000);
      // Events after the import: applied ones are counted and timed, by source.
      emu.emulator.generateNow(20);
      served.sync.wake();
      await waitFor(
        async () => (await metricValue(served.metrics, 'authsync_events_applied_total')) >= 20,
        10_000,
      );
      expect((await get('/healthz')).status).toBe(200);
      expect(await (await get('/readyz')).json()).toEqual({ status: 'ready' });
      const metrics = await (await get('/metrics')).text();
      for (const name of [
        'authsync_events_applied_total',
        'authsync_lag_seconds',
        'authsync_last_successful_poll_timestamp_seconds',
        'authsync_webhook_rejections_total',
        'authsync_dead_letters',
        'authsync_inbox_backlog{source_id="workos",state="held"}',
        'authsync_dead_letters{source_id="workos"} 0',
        'authsync_http_request_duration_seconds_bucket',
        'authsync_event_to_row_seconds_count{source_id="workos"} 20',
        'process_cpu_seconds_total',
        'authsync_source_info{source_id="workos"} 1',
      ])
        expect(metrics, name).toContain(name);
      // The API fails from now on: after a second without a page read, not ready (liveness stays).
      emu.emulator.faults.update({ errorRate: 1 });
      await waitFor(async () => (await get('/readyz')).status === 503, 10_000);
      const body = (await (await get('/readyz')).json()) as { problems: string[] };
      expect(body.problems[0]).toMatch(/reader stalled/);
      expect((await get('/healthz')).status).toBe(200);
      emu.emulator.faults.update({ errorRate: 0 });
      await waitFor(async () => (await get('/readyz')).status === 200, 70_000);
    } finally {
      await served.service.stop();
      await emu.close();
    }
  }, 90_000);

  it('on SIGTERM stops taking requests, finishes what is in flight, exits 0, and the database is whole', async () => {
    const emu = await startEmulator({ seed: 92, events: 2000, rate: 200 });
    const db = tempDbPath();
    const child = spawn('node', [CLI, 'serve', '--port', '0', '--host', '127.0.0.1'], {
      env: cliEnv(emu, { DATABASE_URL: db, WORKOS_WEBHOOK_SECRET: SECRET, LOG_LEVEL: 'info' }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      let url = '';
      for await (const line of createInterface({ input: child.stderr! })) {
        const entry = JSON.parse(line) as { msg: string; url?: string };
        if (entry.msg === 'listening') {
          url = entry.url!;
          break;
        }
      }
      emu.emulator.webhooks.configure({ url: `${url}/webhooks/workos`, secret: SECRET });
      await new Promise((r) => setTimeout(r, 1500));
      const body = JSON.stringify({
        object: 'event',
        id: 'event_01SIGTERM000000000000000000',
        event: 'user.deleted',
        data: {
          object: 'user',
          id: 'user_01NOBODY',
          created_at: '2026-01-01T00:00:00.000Z',
          updated_at: '2026-01-01T00:00:00.000Z',
        },
        created_at: new Date().toISOString(),
      });
      const ok = await fetch(`${url}/webhooks/workos`, {
        method: 'POST',
        body,
        headers: { 'workos-signature': signWorkOSWebhook(body, SECRET, Date.now()) },
      });
      expect(ok.status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
      emu.emulator.stopLive();
      // What it committed is whole: a final drain converges with the emulator.
      const { execFile } = await import('node:child_process');
      await new Promise<void>((res, rej) =>
        execFile(
          'node',
          [CLI, 'sync', '--once', '--settle-ms', '0'],
          { env: cliEnv(emu, { DATABASE_URL: db }) },
          (e) => (e ? rej(e) : res()),
        ),
      );
      expect(await differencesFromApi(emu, db)).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      await emu.close();
    }
  });
});
