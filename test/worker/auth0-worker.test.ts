import { describe, expect, it } from 'vitest';
import { startAuth0Emulator } from '../../src/emulator/auth0/server.js';
import { startEmulator } from '../../src/emulator/index.js';
import { differencesFromApi } from '../helpers/truth.js';
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

describe('an Auth0 source on the Worker, reconciled on its schedule', () => {
  it('changes no log shows whole (signups, logins, SCIM) reach D1 when a run finds a reconciliation due', async () => {
    // The tenant's clock two minutes behind: reconciliation deletes only rows last written more
    // than a minute (its allowance for clock skew) before it began.
    const emu = await startAuth0Emulator({
      seed: 'worker-reconcile',
      changes: 200,
      hours: 1,
      clock: () => Date.now() - 120_000,
    });
    const { path } = await bundleWorker();
    const vars = {
      AUTHSYNC_PROVIDER: 'auth0',
      AUTH0_DOMAIN: emu.url,
      AUTH0_CLIENT_ID: emu.clientId,
      AUTH0_CLIENT_SECRET: emu.clientSecret,
      AUTH0_REQUESTS_PER_MINUTE: '100000',
      AUTHSYNC_SETTLE_MS: '0',
    };
    const worker = await startWorker(null, {
      script: path,
      vars: { ...vars, AUTHSYNC_RECONCILE_EVERY_S: '4' },
    });
    try {
      await worker.scheduled();
      expect(worker.runs().at(-1)!.reconciled).toBeUndefined();
      for (let i = 0; i < 300; i++) emu.emulator.generateNow(1);
      // Logs alone leave rows behind (no sapi log for most of these changes)...
      await worker.scheduled();
      expect(worker.runs().at(-1)!.reconciled).toBeUndefined();
      expect((await auth0Differences(emu, worker.db)).length).toBeGreaterThan(0);
      // ...until a run finds the last reconciliation (here: the import) 4 s old.
      await new Promise((r) => setTimeout(r, 4100));
      const reconcilingRunAt = Date.now();
      await worker.scheduled();
      const run = worker.runs().at(-1)!;
      expect(run.error).toBeUndefined();
      expect(run.reconciled.objects).toBeGreaterThan(200);
      expect(run.reconciled.stale + run.reconciled.missing).toBeGreaterThan(0);
      // Users and organizations are whole, and nothing is missing anywhere. Members and roles
      // carry the time they were read (Auth0 gives them none), and reconciliation deletes no row
      // younger than its one-minute allowance for clock skew: those imported seconds ago and
      // gone upstream since wait for the next one.
      const left = await auth0Differences(emu, worker.db);
      expect(
        left.filter((d) => d.missing.length > 0 || ['users', 'organizations'].includes(d.table)),
      ).toEqual([]);
      // The next run reconciles only once 4 s have passed again (a loaded machine may take
      // that long over the reconciling run itself: then it is due, rightly).
      const dueAgain = Date.now() - reconcilingRunAt >= 4000;
      await worker.scheduled();
      if (!dueAgain) expect(worker.runs().at(-1)!.reconciled).toBeUndefined();
    } finally {
      await worker.close();
      await emu.close();
    }
  });
});

describe('a WorkOS and an Auth0 source in one Worker (AUTHSYNC_SOURCES)', () => {
  it('each scheduled run follows both into one D1; each webhook route is its source’s; the status lists both', async () => {
    const workos = await startEmulator({ seed: 'worker-both', events: 500 });
    const auth0 = await startAuth0Emulator({
      seed: 'worker-both',
      changes: 300,
      hours: 1,
      apiOnly: true,
    });
    const { path } = await bundleWorker();
    const worker = await startWorker(null, {
      script: path,
      vars: {
        AUTHSYNC_SOURCES: 'workos,auth0',
        WORKOS_API_URL: workos.url,
        WORKOS_API_KEY: workos.apiKey,
        WORKOS_WEBHOOK_SECRET: 'whsec_worker_both',
        AUTH0_DOMAIN: auth0.url,
        AUTH0_CLIENT_ID: auth0.clientId,
        AUTH0_CLIENT_SECRET: auth0.clientSecret,
        AUTH0_EVENT_STREAM_TOKEN: TOKEN,
        AUTH0_REQUESTS_PER_MINUTE: '100000',
        AUTHSYNC_SETTLE_MS: '0',
        AUTHSYNC_STATUS_PASSWORD: 'pw',
      },
    });
    try {
      await worker.scheduled();
      workos.emulator.generateNow(300);
      auth0.emulator.generateNow(200);
      await worker.scheduled();
      const run = worker.runs().at(-1)!;
      expect(run.error).toBeUndefined();
      expect(run.sources.map((s: { source: string }) => s.source)).toEqual(['workos', 'auth0']);
      expect(run.applied).toBe(run.sources[0].applied + run.sources[1].applied);
      expect(run.sources[0].applied).toBeGreaterThanOrEqual(300);
      expect(run.sources[1].applied).toBeGreaterThan(200);
      expect(await differencesFromApi(workos, worker.db)).toEqual([]);
      expect(await auth0Differences(auth0, worker.db)).toEqual([]);
      // The Auth0 route takes its bearer token, not the WorkOS signature, and the reverse.
      const post = (source: string, headers: Record<string, string>) =>
        worker.fetch(`/webhooks/${source}`, { method: 'POST', headers, body: '{}' });
      expect((await post('auth0', { 'workos-signature': 't=1, v1=00' })).status).toBe(401);
      expect((await post('workos', { authorization: `Bearer ${TOKEN}` })).status).toBe(401);
      expect((await post('eu', { authorization: `Bearer ${TOKEN}` })).status).toBe(404);
      const status = await worker.fetch('/status', {
        headers: { authorization: `Basic ${btoa('authsync:pw')}` },
      });
      const reports = (await status.json()) as { source: string; cursor: { after: string } }[];
      expect(reports.map((r) => r.source)).toEqual(['workos', 'auth0']);
      expect(reports[1]!.cursor.after).toBe(auth0.emulator.tenant.logs.indexed.at(-1)!.log_id);
    } finally {
      await worker.close();
      await workos.close();
      await auth0.close();
    }
  });
});
