import { describe, expect, it } from 'vitest';
import { startAuth0Emulator } from '../../src/emulator/auth0/server.js';
import { auth0Differences } from '../helpers/auth0-truth.js';
import { waitFor } from '../helpers/serve-env.js';
import { bundleWorker, startWorker } from '../helpers/worker-env.js';

const TOKEN = 'worker-stream-token';

describe('an Auth0 source on Cloudflare Workers + D1 (workerd through Miniflare)', () => {
  it('scheduled runs import the tenant and follow its logs; Event Streams deliveries to fetch land in D1', async () => {
    const emu = await startAuth0Emulator({ seed: 'worker', changes: 400, hours: 1 });
    const { path } = await bundleWorker();
    const worker = await startWorker(null, {
      script: path,
      vars: {
        AUTHSYNC_PROVIDER: 'auth0',
        AUTH0_DOMAIN: emu.url,
        AUTH0_CLIENT_ID: emu.clientId,
        AUTH0_CLIENT_SECRET: emu.clientSecret,
        AUTH0_EVENT_STREAM_TOKEN: TOKEN,
        AUTH0_REQUESTS_PER_MINUTE: '100000',
        AUTHSYNC_SETTLE_MS: '0',
      },
    });
    try {
      await worker.scheduled();
      expect(worker.runs().at(-1)!.error).toBeUndefined();
      expect(await auth0Differences(emu, worker.db)).toEqual([]);
      // From here every change is announced, as an Event Stream would (the history was not):
      // signups, logins, SCIM and imports write no sapi log, but an event each.
      const events: unknown[] = [];
      emu.emulator.tenant.onEvent = (type, object) =>
        events.push({
          specversion: '1.0',
          type,
          source: 'urn:auth0:acme',
          id: `evt_worker_${events.length.toString().padStart(6, '0')}`,
          time: new Date().toISOString(),
          data: { object },
          a0tenant: 'acme',
          a0stream: 'est_worker',
        });
      for (let i = 0; i < 150; i++) {
        emu.emulator.generateNow(1);
        await new Promise((r) => setTimeout(r, 2));
      }
      // The logs first, on schedule; then the deliveries, which land in D1 and apply at once.
      await worker.scheduled();
      for (const event of events) {
        const response = await worker.fetch('/webhooks/auth0', {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(event),
        });
        expect(response.status).toBe(200);
      }
      const refused = await worker.fetch('/webhooks/auth0', {
        method: 'POST',
        headers: { authorization: 'Bearer nope' },
        body: JSON.stringify(events[0]),
      });
      expect(refused.status).toBe(401);
      await worker.scheduled();
      await waitFor(
        async () => (await auth0Differences(emu, worker.db)).length === 0,
        20_000,
        () => auth0Differences(emu, worker.db),
      );
      const [notApplied] = await worker.db.query<{ n: number }>(
        "SELECT COUNT(*) AS n FROM authsync_events WHERE status <> 'applied'",
      );
      expect(Number(notApplied!.n)).toBe(0);
      const [streamed] = await worker.db.query<{ n: number }>(
        "SELECT COUNT(*) AS n FROM authsync_events WHERE id LIKE 'evt_worker_%'",
      );
      expect(Number(streamed!.n)).toBe(events.length);
    } finally {
      await worker.close();
      await emu.close();
    }
  }, 90_000);
});
