import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { signWorkOSWebhook } from '../../src/emulator/webhooks.js';
import type { Logger } from '../../src/engine/ports.js';
import { SECRET, serveFor, waitFor } from '../helpers/serve-env.js';

describe('serve with an API key the API refuses', () => {
  it('says so at once, fails readiness naming WORKOS_API_KEY, retries, and still takes webhooks', async () => {
    const emu = await startEmulator({ seed: 14, events: 50 });
    const errors: { message: string; fields?: Record<string, unknown> }[] = [];
    const logger: Logger = {
      info() {},
      warn() {},
      error: (message, fields) => void errors.push({ message, fields }),
    };
    const { service, sync, webhookUrl } = await serveFor(emu, {
      apiKey: 'sk_test_refused',
      logger,
    });
    try {
      // Logged at once (not after the 120 s stall), naming the setting.
      await waitFor(() => errors.length > 0, 5000);
      expect(String(errors[0]!.fields?.error)).toContain('WORKOS_API_KEY');
      const ready = await fetch(`${service.url}/readyz`);
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as { problems: string[] };
      expect(body.problems.join(' ')).toContain('WORKOS_API_KEY');
      // The loop goes on (with backoff) instead of stopping or hanging.
      await waitFor(() => errors.length >= 2, 8000);
      expect(errors[1]!.fields?.failures).toBe(2);
      // Webhooks still reach the inbox meanwhile: nothing is lost while the key is fixed.
      const event = emu.emulator.world.events.at(emu.emulator.world.events.length - 1)!.json;
      const delivery = await fetch(webhookUrl, {
        method: 'POST',
        body: event,
        headers: { 'workos-signature': signWorkOSWebhook(event, SECRET, Date.now()) },
      });
      expect(delivery.status).toBe(200);
      expect((await sync.store.backlog()).held).toBe(1);
    } finally {
      await service.stop();
      await emu.close();
    }
  }, 30_000);
});
