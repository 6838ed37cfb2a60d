import { describe, expect, it } from 'vitest';
import { startAuth0Emulator } from '../../src/emulator/auth0/server.js';
import { auth0Differences } from '../helpers/auth0-truth.js';
import { bundleWorker, startWorker } from '../helpers/worker-env.js';

describe('an Auth0 source on Cloudflare Workers + D1 (workerd through Miniflare)', () => {
  it('scheduled runs import the tenant and follow its logs; Event Streams deliveries are answered 503 (not taken here yet)', async () => {
    const emu = await startAuth0Emulator({ seed: 'worker', changes: 400, hours: 1, apiOnly: true });
    const { path } = await bundleWorker();
    const worker = await startWorker(null, {
      script: path,
      vars: {
        AUTHSYNC_PROVIDER: 'auth0',
        AUTH0_DOMAIN: emu.url,
        AUTH0_CLIENT_ID: emu.clientId,
        AUTH0_CLIENT_SECRET: emu.clientSecret,
        AUTH0_EVENT_STREAM_TOKEN: 'set-but-not-taken',
        AUTH0_REQUESTS_PER_MINUTE: '100000',
        AUTHSYNC_SETTLE_MS: '0',
      },
    });
    try {
      await worker.scheduled();
      expect(worker.runs().at(-1)!.error).toBeUndefined();
      expect(await auth0Differences(emu, worker.db)).toEqual([]);
      // Management API writes: the next scheduled run reads their logs.
      emu.emulator.generateNow(300);
      await worker.scheduled();
      expect(worker.runs().at(-1)!.error).toBeUndefined();
      expect(await auth0Differences(emu, worker.db)).toEqual([]);
      const logs = emu.emulator.tenant.logs.indexed.map((l) => l.log_id);
      const inbox = (
        await worker.db.query<{ id: string }>('SELECT id FROM authsync_events ORDER BY id')
      ).map((e) => e.id);
      expect(inbox).toEqual(logs.filter((id) => id >= inbox[0]!));
      const delivery = await worker.fetch('/webhooks/auth0', {
        method: 'POST',
        headers: { authorization: 'Bearer set-but-not-taken' },
        body: '{}',
      });
      expect(delivery.status).toBe(503);
    } finally {
      await worker.close();
      await emu.close();
    }
  }, 90_000);
});
