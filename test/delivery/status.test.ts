import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import type { StatusReport } from '../../src/status-report.js';
import { FORWARD_SECRET } from '../helpers/app-endpoint.js';
import { launchChromium } from '../helpers/browser.js';
import { startReceiver } from '../helpers/receiver.js';
import { serveFor, waitFor } from '../helpers/serve-env.js';
import { emulatorChange } from '../helpers/sync-env.js';

const PASSWORD = 'delivery-status-test-password';
const basic = `Basic ${Buffer.from(`authsync:${PASSWORD}`).toString('base64')}`;

describe('destinations on the status page, in status --json and /readyz', () => {
  it('a failed delivery shows in a browser and in JSON and asks for a person; /readyz stays ready; retried, all is ok again', async () => {
    const emu = await startEmulator({ seed: 75, events: 50 });
    const rx = await startReceiver();
    const served = await serveFor(
      emu,
      {
        settleMs: 0,
        destinations: [
          { name: 'app', url: rx.at('app'), secrets: [FORWARD_SECRET], schedule: ['100ms'] },
        ],
      },
      { statusPassword: PASSWORD },
    );
    const url = `${served.service.url}/status`;
    const browser = await launchChromium();
    try {
      await waitFor(() => served.sync.lastReadOkAtMs !== null, 10_000);
      await rx.mode('app', 'down');
      await emulatorChange(emu, { op: 'organization.create', name: 'Status Delivery' });
      // Two attempts (the schedule has one retry), then failed for good.
      await waitFor(async () => (await served.sync.destinations())[0]?.failed === 1, 10_000);

      const json = (await (
        await fetch(url, { headers: { authorization: basic } })
      ).json()) as StatusReport;
      expect(json.destinations).toMatchObject([{ name: 'app', failed: 1, disabled: false }]);
      expect(json.destinations![0]!.lastError).toMatch(/answered 503/);
      // The application's endpoint being down is not authsync's outage.
      expect((await fetch(`${served.service.url}/readyz`)).status).toBe(200);

      const context = await browser.newContext({
        httpCredentials: { username: 'authsync', password: PASSWORD },
      });
      const page = await context.newPage();
      await page.goto(url);
      expect(await page.locator('[data-health]').textContent()).toBe('deliveries failing');
      const row = page.locator('[data-part="destinations"] tr[data-destination="app"]');
      expect(await row.locator('td.n').nth(2).textContent()).toBe('1');
      expect(await row.textContent()).toContain('answered 503');

      await rx.mode('app', 'ok');
      expect(await served.sync.store.deliveries().retry('all-failed', Date.now())).toBe(1);
      served.sync.dispatcher!.wake();
      await waitFor(async () => (await served.sync.destinations())[0]?.failed === 0, 10_000);
      await waitFor(async () => (await served.sync.destinations())[0]?.pending === 0, 10_000);
      await page.reload();
      expect(await page.locator('[data-health]').textContent()).toBe('ok');
      await context.close();
    } finally {
      await browser.close();
      await served.service.stop();
      await rx.close();
      await emu.close();
    }
  });
});
