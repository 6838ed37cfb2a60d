import { describe, expect, it } from 'vitest';
import { createSyncs } from '../../src/create-sync.js';
import { startAuth0Emulator } from '../../src/emulator/auth0/server.js';
import { startEmulator } from '../../src/emulator/index.js';
import { silentLogger } from '../../src/engine/ports.js';
import { ServeMetrics } from '../../src/runtimes/node/metrics.js';
import { startService } from '../../src/runtimes/node/serve.js';
import { auth0Differences } from '../helpers/auth0-truth.js';
import { metricValue, SECRET, waitFor } from '../helpers/serve-env.js';
import { tempDb } from '../helpers/test-db.js';
import { differencesFromApi } from '../helpers/truth.js';

const TOKEN = 'stream-token-0123456789abcdef';
const PASSWORD = 'status-password';

describe('authsync serve with a WorkOS and an Auth0 source', () => {
  it("each source's webhooks on its own route, both kept current; metrics, readiness and status name each", async () => {
    const workos = await startEmulator({ seed: 'serve-both', events: 300 });
    const auth0 = await startAuth0Emulator({ seed: 'serve-both', changes: 200, hours: 1 });
    const db = tempDb('sqlite');
    const metrics = new ServeMetrics();
    const syncs = createSyncs(
      {
        env: {
          ...db.env,
          AUTHSYNC_SOURCES: 'workos,auth0',
          WORKOS_API_URL: workos.url,
          WORKOS_API_KEY: workos.apiKey,
          WORKOS_WEBHOOK_SECRET: SECRET,
          AUTH0_DOMAIN: auth0.url,
          AUTH0_CLIENT_ID: auth0.clientId,
          AUTH0_CLIENT_SECRET: auth0.clientSecret,
          AUTH0_REQUESTS_PER_MINUTE: '100000',
          AUTH0_EVENT_STREAM_TOKEN: TOKEN,
        },
        settleMs: 0,
        pollIntervalMs: 300,
      },
      { each: (sourceId) => ({ onApplied: metrics.onAppliedFor(sourceId) }) },
    );
    const service = await startService({
      syncs,
      metrics,
      logger: silentLogger,
      port: 0,
      hostname: '127.0.0.1',
      reconcileEveryMs: 0,
      statusPassword: PASSWORD,
    });
    const get = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${service.url}${path}`, {
        headers: { authorization: `Basic ${btoa(`authsync:${PASSWORD}`)}`, ...headers },
      });
    try {
      await waitFor(
        async () => (await Promise.all(syncs.map((s) => s.status()))).every((s) => s.importedAt),
        20_000,
      );
      workos.emulator.webhooks.configure({
        url: `${service.url}/webhooks/workos`,
        secret: SECRET,
        retryBaseMs: 50,
      });
      const stream = auth0.emulator.configureEventStream({
        url: `${service.url}/webhooks/auth0`,
        authorization: { method: 'bearer', token: TOKEN },
      });
      for (let i = 0; i < 3; i++) {
        workos.emulator.generateNow(100);
        auth0.emulator.generateNow(60);
        await new Promise((r) => setTimeout(r, 200));
      }
      await workos.emulator.webhooks.idle();
      await waitFor(
        () => [...stream.deliveries.values()].every((d) => d.status !== 'pending'),
        20_000,
      );
      await waitFor(
        async () =>
          (await differencesFromApi(workos, db)).length === 0 &&
          (await auth0Differences(auth0, db)).length === 0,
        20_000,
        async () => [
          await differencesFromApi(workos, db, 3),
          await auth0Differences(auth0, db),
          ...(await Promise.all(syncs.map((s) => s.status()))).map((r) => [
            r.source,
            r.cursor,
            r.lastError,
            r.inbox,
          ]),
          syncs.map((s) => s.problems),
          (await syncs[0]!.deadLetters()).slice(0, 3),
        ],
      );
      // Every delivery to each route was taken by its own source.
      const deliveries = [...stream.deliveries.values()];
      expect(deliveries.length).toBeGreaterThan(100);
      expect(deliveries.filter((d) => d.attempts[0]?.status !== 200)).toEqual([]);
      expect(
        await metricValue(metrics, 'authsync_webhook_deliveries_total', {
          source_id: 'auth0',
          result: 'stored',
        }),
      ).toBe(deliveries.length);
      expect(
        await metricValue(metrics, 'authsync_webhook_deliveries_total', {
          source_id: 'workos',
          result: 'stored',
        }),
      ).toBe(300);
      // A route no source has; an Auth0 route given a WorkOS signature.
      const post = (path: string, headers: Record<string, string>) =>
        fetch(`${service.url}${path}`, { method: 'POST', headers, body: '{}' });
      expect((await post('/webhooks/eu', { 'workos-signature': 't=1, v1=00' })).status).toBe(404);
      expect((await post('/webhooks/auth0', { 'workos-signature': 't=1, v1=00' })).status).toBe(
        401,
      );

      expect(await (await get('/readyz')).json()).toEqual({ status: 'ready' });
      const text = await (await get('/metrics')).text();
      for (const id of ['workos', 'auth0']) {
        expect(text).toContain(`authsync_source_info{source_id="${id}"} 1`);
        expect(text).toContain(`authsync_dead_letters{source_id="${id}"} 0`);
        expect(
          await metricValue(metrics, 'authsync_events_applied_total', { source_id: id }),
        ).toBeGreaterThan(0);
      }
      const reports = (await (await get('/status')).json()) as { source: string; rows: object }[];
      expect(reports.map((r) => r.source)).toEqual(['workos', 'auth0']);
      expect(Object.keys(reports[1]!.rows)).toContain('auth0_users');
      const page = await (await get('/status', { accept: 'text/html' })).text();
      expect(page.match(/<section data-source="(\w+)"/g)).toEqual([
        '<section data-source="workos"',
        '<section data-source="auth0"',
      ]);
    } finally {
      await service.stop();
      await workos.close();
      await auth0.close();
    }
  });
});
