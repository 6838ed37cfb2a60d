import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { signWorkOSWebhook } from '../../src/emulator/webhooks.js';
import type { Logger } from '../../src/engine/ports.js';
import type { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { SECRET, serveFor, waitFor } from '../helpers/serve-env.js';
import { differencesFromApi } from '../helpers/truth.js';

/**
 * A full disk, made real by SQLite's own limit on the file's pages (`max_page_count`): writes
 * fail with SQLITE_FULL. The real error is reported (not the failed ROLLBACK after it), /readyz
 * fails while deliveries cannot be stored, and once there is room again nothing was lost.
 */
describe('serve on a full disk (SQLite)', () => {
  it('reports the real error, fails readiness, loses nothing once there is room', async () => {
    const emu = await startEmulator({ seed: 21, events: 300 });
    const errors: string[] = [];
    const logger: Logger = {
      info() {},
      warn() {},
      error: (message, fields) => void errors.push(`${message}: ${String(fields?.error)}`),
    };
    const served = await serveFor(emu, { settleMs: 0, logger });
    const { service, sync, webhookUrl } = served;
    const driver = (sync.store as SqliteStore).driver;
    const deliver = async (back = 0) => {
      const events = emu.emulator.world.events;
      const body = events.at(events.length - 1 - back)!.json;
      return fetch(webhookUrl, {
        method: 'POST',
        body,
        headers: { 'workos-signature': signWorkOSWebhook(body, SECRET, Date.now()) },
      });
    };
    try {
      await waitFor(async () => (await differencesFromApi(emu, served.path)).length === 0, 15_000);
      const pages = (driver.prepare('PRAGMA page_count').get() as { page_count: number })
        .page_count;
      driver.exec(`PRAGMA max_page_count = ${pages}`);
      // Events keep coming; deliveries of them cannot be stored.
      emu.emulator.generateNow(400);
      await waitFor(
        () => errors.some((e) => /full/i.test(e)),
        10_000,
        () => errors,
      );
      // A page may still have room for a row or two: deliver until the inbox refuses.
      const answers: number[] = [];
      for (let back = 0; back < 200 && !answers.includes(500); back++)
        answers.push((await deliver(back)).status);
      expect(answers).toContain(500);
      expect(errors.join('\n')).not.toMatch(/cannot rollback/);
      const ready = await fetch(`${service.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(JSON.stringify(await ready.json())).toMatch(/full/i);

      // Room again: the delivery is stored on its retry, readiness returns, and every event
      // reaches the tables.
      driver.exec('PRAGMA max_page_count = 1073741823');
      expect((await deliver()).status).toBe(200);
      await waitFor(async () => (await fetch(`${service.url}/readyz`)).status === 200, 15_000);
      await waitFor(
        async () => (await differencesFromApi(emu, served.path)).length === 0,
        30_000,
        () => differencesFromApi(emu, served.path),
      );
    } finally {
      await service.stop();
      await emu.close();
    }
  }, 90_000);
});
