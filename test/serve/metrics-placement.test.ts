import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { serveFor } from '../helpers/serve-env.js';

const run = promisify(execFile);
const CLI = new URL('../../dist/cli.js', import.meta.url).pathname;
const PASSWORD = 'metrics-placement-password';
const basic = `Basic ${Buffer.from(`authsync:${PASSWORD}`).toString('base64')}`;

describe('authsync serve: where /metrics is', () => {
  it('on a port of its own (not on the main one), or behind the status password', async () => {
    const emu = await startEmulator({ seed: 98, events: 50 });
    const apart = await serveFor(emu, { settleMs: 0 }, { metricsPort: 0 });
    const guarded = await serveFor(
      emu,
      { settleMs: 0 },
      { statusPassword: PASSWORD, metricsPassword: true },
    );
    try {
      expect((await fetch(`${apart.service.url}/metrics`)).status).toBe(404);
      const own = await fetch(apart.service.metricsUrl!);
      expect(own.status).toBe(200);
      expect(await own.text()).toMatch(/^# TYPE authsync_events_applied_total counter/m);
      expect(apart.service.metricsUrl).not.toBe(`${apart.service.url}/metrics`);

      const refused = await fetch(`${guarded.service.url}/metrics`);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Basic/);
      const allowed = await fetch(`${guarded.service.url}/metrics`, {
        headers: { authorization: basic },
      });
      expect(allowed.status).toBe(200);
      // Health stays open to the orchestrator.
      expect((await fetch(`${guarded.service.url}/healthz`)).status).toBe(200);
    } finally {
      await apart.service.stop();
      await guarded.service.stop();
      await emu.close();
    }
  });

  it('--metrics-password without AUTHSYNC_STATUS_PASSWORD is bad usage (exit 2), before anything opens', async () => {
    const outcome = await run('node', [CLI, 'serve', '--metrics-password', '--port', '0'], {
      env: { PATH: process.env.PATH, DATABASE_URL: '/nonexistent/dir/x.db' },
    }).catch((e: { code: number; stderr: string }) => e);
    expect(outcome).toMatchObject({ code: 2 });
    expect((outcome as { stderr: string }).stderr).toMatch(/AUTHSYNC_STATUS_PASSWORD/);
  });
});
