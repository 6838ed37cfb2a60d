import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { launchChromium } from '../helpers/browser.js';
import { serveFor, waitFor } from '../helpers/serve-env.js';
import { injectPoisonMembership } from '../helpers/sync-env.js';
import { mountStatusRoute } from '../../src/runtimes/http/status-route.js';
import type { StatusReport } from '../../src/status-report.js';

const PASSWORD = 'status-page-test-password';
const basic = (password: string) =>
  `Basic ${Buffer.from(`authsync:${password}`).toString('base64')}`;

describe('authsync serve: the status page', () => {
  it('is off without AUTHSYNC_STATUS_PASSWORD', async () => {
    const emu = await startEmulator({ seed: 95, events: 50 });
    const served = await serveFor(emu, { settleMs: 0 });
    try {
      const response = await fetch(`${served.service.url}/status`, {
        headers: { authorization: basic('') },
      });
      expect(response.status).toBe(403);
      expect(await response.text()).toMatch(/AUTHSYNC_STATUS_PASSWORD/);
    } finally {
      await served.service.stop();
      await emu.close();
    }
  });

  it('in a browser: health, rows, dead letters and the last error, escaped; JSON for other clients; a password', async () => {
    const emu = await startEmulator({ seed: 96, events: 400 });
    const served = await serveFor(emu, { settleMs: 0 }, { statusPassword: PASSWORD });
    const url = `${served.service.url}/status`;
    const browser = await launchChromium();
    try {
      await waitFor(
        async () => (await served.sync.store.status()).state.last_success_at != null,
        10_000,
      );
      // No password, or a wrong one: refused, and the browser is asked for one.
      const refused = await fetch(url);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Basic/);
      expect((await fetch(url, { headers: { authorization: basic('wrong') } })).status).toBe(401);

      // JSON for a client that does not ask for HTML: the report of `authsync status --json`.
      const json = (await (
        await fetch(url, { headers: { authorization: basic(PASSWORD) } })
      ).json()) as { rows: Record<string, number>; deadLetters: number };
      const users = (await served.sync.store.status()).rows.workos_users!;
      expect(users).toBeGreaterThan(0);
      expect(json.rows.workos_users).toBe(users);

      const context = await browser.newContext({
        httpCredentials: { username: 'authsync', password: PASSWORD },
      });
      const page = await context.newPage();
      await page.goto(url);
      expect(await page.locator('[data-health]').textContent()).toBe('ok');
      const rowCount = (table: string) =>
        page.locator('[data-part="rows"] tr', { hasText: table }).locator('td.n').textContent();
      expect(await rowCount('workos_users')).toBe(users.toLocaleString('en-US'));

      // A poison event (a membership without a role) and an error whose text is markup.
      const { org, poison } = await injectPoisonMembership(emu, 'status');
      await waitFor(async () => (await served.sync.store.deadLetters()).length === 1, 10_000);
      await page.reload();
      expect(await page.locator('[data-health]').textContent()).toBe('dead letters');
      const row = page.locator('[data-part="dead-letters"] tr', { hasText: poison.id });
      expect(await row.count()).toBe(1);
      expect(await row.textContent()).toContain(org.id);
      expect(await rowCount('workos_organizations')).toBe(
        (await served.sync.store.status()).rows.workos_organizations!.toLocaleString('en-US'),
      );
      // Times with how long ago; the last hours drawn, the events just applied in the last bar.
      const summary = page.locator('[data-part="summary"] tr', { hasText: 'last success' });
      expect(await summary.textContent()).toMatch(/\d{4}-\d\d-\d\dT.*\(\d+ s ago\)/);
      const bars = page.locator('[data-part="chart-applied"] svg rect');
      expect(await bars.count()).toBeGreaterThan(0);
      expect(await page.locator('[data-part="chart-lag"] figcaption').textContent()).toMatch(
        /last 6 h/,
      );

      // On a 375 px phone: nothing wider than the screen, and an event id on one line, whole.
      await page.setViewportSize({ width: 375, height: 800 });
      await page.reload();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        375,
      );
      const idCell = page.locator('[data-part="dead-letters"] td', { hasText: poison.id });
      expect(
        await idCell.evaluate((td) => {
          const range = document.createRange();
          range.selectNodeContents(td);
          return range.getClientRects().length;
        }),
      ).toBe(1);
      await context.close();
    } finally {
      await browser.close();
      await served.service.stop();
      await emu.close();
    }
  });

  it('shows text from outside (errors, event types, ids) as text: markup in them never runs', async () => {
    const markup = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';
    const report: StatusReport = {
      source: 'workos',
      cursor: { after: 'event_01', rangeStart: null },
      lastEventAt: '2026-12-01T00:00:00.000Z',
      lagSeconds: 3,
      rows: { workos_users: 1 },
      inbox: { applied: 1 },
      deadLetters: 1,
      lastError: `2026-12-01T00:00:00.000Z ${markup}`,
      lastSuccessAt: null,
      importedAt: null,
      processes: null,
      laneBacklog: [{ lane: markup, waiting: 1, queued: 0 }],
      retention: { days: 30, warnAfterSeconds: 1_296_000, cursorAgeSeconds: 60, atRisk: false },
    };
    const app = new Hono();
    mountStatusRoute(app, {
      password: () => PASSWORD,
      load: async () => [
        {
          report,
          deadLetters: [
            {
              eventId: 'event_01',
              type: markup,
              lane: markup,
              error: markup,
              failedAt: '2026-12-01T00:00:00.000Z',
              attempts: 1,
            },
          ],
        },
      ],
    });
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/status`;
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({
        httpCredentials: { username: 'authsync', password: PASSWORD },
      });
      const page = await context.newPage();
      const response = await page.goto(url);
      expect(response!.headers()['content-security-policy']).toMatch(/default-src 'none'/);
      expect(await page.locator('[data-health]').textContent()).toBe('failing');
      expect(await page.locator('[data-part="last-error"]').textContent()).toContain(markup);
      expect(await page.locator('[data-part="dead-letters"]').textContent()).toContain(markup);
      expect(await page.locator('[data-part="lanes"]').textContent()).toContain(markup);
      expect(await page.locator('img, script').count()).toBe(0);
      expect(await page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();
    } finally {
      await browser.close();
      await new Promise((r) => server.close(r));
    }
  });
});
