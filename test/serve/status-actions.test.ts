import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { FORWARD_SECRET } from '../helpers/app-endpoint.js';
import { launchChromium } from '../helpers/browser.js';
import { startReceiver } from '../helpers/receiver.js';
import { serveFor, waitFor } from '../helpers/serve-env.js';
import { injectPoisonMembership } from '../helpers/sync-env.js';

const PASSWORD = 'status-actions-test-password';

describe('authsync serve: the status page acts', () => {
  it('retries or skips a dead letter and a failed delivery in a browser; a page on another site cannot', async () => {
    const emu = await startEmulator({ seed: 97, events: 100 });
    const rx = await startReceiver();
    await rx.mode('app', 'gone');
    const served = await serveFor(
      emu,
      {
        settleMs: 0,
        destinations: [{ name: 'app', url: rx.at('app'), secrets: [FORWARD_SECRET] }],
      },
      { statusPassword: PASSWORD },
    );
    const url = `${served.service.url}/status`;
    const browser = await launchChromium();
    // Another site, whose page posts to the status page's action (the browser would send the
    // password along, as it does for any request to that origin).
    const other = createServer((_req, res) =>
      res.setHeader('content-type', 'text/html').end(
        `<form method="post" action="${served.service.url}/status/actions">
          <input name="token" value="${'0'.repeat(64)}"><input name="verb" value="skip">
          <input name="kind" value="delivery"><input name="id" value="1">
          <button>go</button></form>`,
      ),
    );
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    try {
      const deliveries = () => served.sync.store.deliveries();
      const { poison } = await injectPoisonMembership(emu, 'acts');
      // A destination answering 410: the new events' deliveries fail for good at once.
      await waitFor(
        async () => (await deliveries().list({ status: 'failed', limit: 5 })).length > 0,
        10_000,
      );
      await waitFor(async () => (await served.sync.store.deadLetters()).length === 1, 10_000);

      const context = await browser.newContext({
        httpCredentials: { username: 'authsync', password: PASSWORD },
      });
      const page = await context.newPage();

      // The other site's form: refused, nothing changed.
      const failedBefore = (await deliveries().list({ status: 'failed', limit: 1000 })).length;
      await page.goto(`http://127.0.0.1:${(other.address() as AddressInfo).port}/`);
      const [refused] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/status/actions')),
        page.click('button'),
      ]);
      expect(refused.status()).toBe(403);
      expect(await refused.text()).toContain('from the status page only');
      expect((await deliveries().list({ status: 'failed', limit: 1000 })).length).toBe(
        failedBefore,
      );

      // Skip the dead letter: its lane goes on, the page says so.
      await page.goto(url);
      expect(await page.locator('[data-health]').textContent()).toBe('dead letters');
      const letter = page.locator('[data-part="dead-letters"] tr', { hasText: poison.id });
      await Promise.all([page.waitForURL(url), letter.locator('[data-action="skip"]').click()]);
      expect(await served.sync.store.deadLetters()).toEqual([]);
      expect(await page.locator('[data-part="dead-letters"]').count()).toBe(0);

      // Retry a failed delivery once the endpoint is back: it is delivered.
      await rx.mode('app', 'ok');
      const first = page.locator('[data-part="failed-deliveries"] tr[data-delivery]').first();
      const id = Number(await first.getAttribute('data-delivery'));
      await Promise.all([page.waitForURL(url), first.locator('[data-action="retry"]').click()]);
      await waitFor(
        async () =>
          (await deliveries().list({ destination: 'app', limit: 1000 })).find((d) => d.id === id)
            ?.status === 'delivered',
        10_000,
      );
      expect((await rx.log('app')).some((r) => r.status === 200)).toBe(true);

      // A client with the password but not the page's token: refused.
      const forged = await fetch(`${url}/../status/actions`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`authsync:${PASSWORD}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: `token=${'1'.repeat(64)}&verb=skip&kind=delivery&id=${id}`,
      });
      expect(forged.status).toBe(403);
      // A body far beyond a few fields: refused before it is read whole.
      const huge = await fetch(`${served.service.url}/status/actions`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`authsync:${PASSWORD}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: `token=${'a'.repeat(100_000)}`,
      });
      expect(huge.status).toBe(413);
      await context.close();
    } finally {
      await browser.close();
      await new Promise((r) => other.close(r));
      await served.service.stop();
      await rx.close();
      await emu.close();
    }
  });
});
