import { createHmac } from 'node:crypto';
import { WorkOS } from '@workos-inc/node';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { signWorkOSWebhook } from '../../src/emulator/webhooks.js';
import { STORE_KINDS, type TestDb } from '../helpers/test-db.js';
import { SECRET, metricValue, rawRequest, serveFor, waitFor } from '../helpers/serve-env.js';
import { dumpTables } from '../helpers/sync-env.js';
import { diffTruths, truthFromApi, truthFromDatabase } from '../helpers/truth.js';

const inboxCounts = async (db: TestDb): Promise<Record<string, number>> => {
  const rows = await db.query<{ status: string; n: number }>(
    'SELECT status, COUNT(*) AS n FROM authsync_events GROUP BY status',
  );
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
};

for (const kind of STORE_KINDS)
  describe(`authsync serve: webhooks ring the doorbell, the API decides (${kind})`, () => {
    it('out-of-order and duplicated deliveries end with tables equal to the emulator state, each event applied once', async () => {
      // Events become visible to GET /events 200-700 ms after their webhook is sent.
      const emu = await startEmulator({
        seed: 71,
        events: 600,
        settleMs: 200,
        settleJitterMs: 500,
      });
      const served = await serveFor(emu, { settleMs: 2000 }, {}, kind);
      const effects = new Map<string, number>();
      served.sync.on('*', (e) => void effects.set(e.id, (effects.get(e.id) ?? 0) + 1));
      try {
        await waitFor(() => served.sync.lastReadOkAtMs !== null, 10_000);
        emu.emulator.webhooks.configure({
          url: served.webhookUrl,
          secret: SECRET,
          outOfOrder: true,
          duplicateRate: 0.3,
          retryBaseMs: 50,
        });
        for (let i = 0; i < 4; i++) {
          emu.emulator.generateNow(200);
          await new Promise((r) => setTimeout(r, 150));
        }
        await emu.emulator.webhooks.idle();
        const truth = await truthFromApi(emu.url, emu.apiKey);
        await waitFor(
          async () => diffTruths(truth, await truthFromDatabase(served.path)).length === 0,
          20_000,
          async () => diffTruths(truth, await truthFromDatabase(served.path)).slice(0, 5),
        );
        await waitFor(
          async () => ((await inboxCounts(served.path)).held ?? 0) === 0,
          10_000,
          () => inboxCounts(served.path),
        );
        const stats = emu.emulator.webhooks.describe();
        expect(stats.duplicatesSent).toBeGreaterThan(100);
        expect(
          await metricValue(served.metrics, 'authsync_webhook_deliveries_total', {
            result: 'stored',
          }),
        ).toBe(800);
        expect(
          await metricValue(served.metrics, 'authsync_webhook_deliveries_total', {
            result: 'duplicate',
          }),
        ).toBe(stats.duplicatesSent);
        // The API reader applied every one of them (none needed the grace period)...
        expect(
          await metricValue(served.metrics, 'authsync_events_applied_total', { source: 'webhook' }),
        ).toBe(0);
        // ...and each exactly once: one effect per event id.
        // Effects run after their rows commit, so they may trail the tables a little.
        await waitFor(
          () => effects.size >= 800,
          10_000,
          () => effects.size,
        );
        expect([...effects.values()].every((n) => n === 1)).toBe(true);
      } finally {
        await served.service.stop();
        await emu.close();
      }
    });

    it('during an API outage, webhook events are applied from the inbox after the grace period; the API copy later changes nothing', async () => {
      const emu = await startEmulator({ seed: 72, events: 300 });
      const served = await serveFor(
        emu,
        { settleMs: 0, webhookGraceMs: 300, maxAttempts: 1 },
        {},
        kind,
      );
      const effects = new Map<string, number>();
      served.sync.on('*', (e) => void effects.set(e.id, (effects.get(e.id) ?? 0) + 1));
      try {
        await waitFor(() => served.sync.lastReadOkAtMs !== null, 10_000);
        await waitFor(
          async () => (await served.sync.store.status()).state.last_success_at !== undefined,
          10_000,
        );
        emu.emulator.faults.update({ errorRate: 1 });
        emu.emulator.webhooks.configure({
          url: served.webhookUrl,
          secret: SECRET,
          retryBaseMs: 50,
        });
        emu.emulator.generateNow(60);
        await emu.emulator.webhooks.idle();
        await waitFor(
          async () => ((await inboxCounts(served.path)).held ?? 0) === 0,
          15_000,
          () => inboxCounts(served.path),
        );
        const fromWebhooks = await metricValue(served.metrics, 'authsync_events_applied_total', {
          source: 'webhook',
        });
        expect(fromWebhooks).toBeGreaterThan(0);
        expect(fromWebhooks).toBeLessThanOrEqual(60);

        emu.emulator.faults.update({ errorRate: 0 });
        // One more delivery rings the doorbell: the reader, backing off, retries within a poll interval.
        emu.emulator.generateNow(1);
        const truth = await truthFromApi(emu.url, emu.apiKey);
        await waitFor(
          async () => diffTruths(truth, await truthFromDatabase(served.path)).length === 0,
          20_000,
          async () => diffTruths(truth, await truthFromDatabase(served.path)).slice(0, 5),
        );
        // The API showed them all in the end: none is left counted as seen by webhook only.
        await waitFor(async () => {
          const gaps = await served.sync.store.sourceGaps('2000-01-01', '2100-01-01');
          return gaps.webhookOnly === 0;
        }, 10_000);
        expect([...effects.values()].every((n) => n === 1)).toBe(true);
        expect(effects.size).toBeGreaterThanOrEqual(60);
      } finally {
        await served.service.stop();
        await emu.close();
      }
    });

    it('accepts a signature made by the official SDK, and a second (rotated) secret', async () => {
      const emu = await startEmulator({ seed: 73, events: 0 });
      const served = await serveFor(emu, { webhookSecrets: ['whsec_old', SECRET] }, {}, kind);
      try {
        const workos = new WorkOS('sk_test_unused');
        const payload = {
          object: 'event',
          id: 'event_01SDKSIGNED000000000000000',
          event: 'user.created',
          data: {
            object: 'user',
            id: 'user_01SDKSIGNED0000000000000000',
            email: 'sdk@example.com',
            email_verified: true,
            first_name: null,
            last_name: null,
            profile_picture_url: null,
            external_id: null,
            metadata: {},
            last_sign_in_at: null,
            created_at: new Date().toISOString(),
            updated_at: new Date().toISOString(),
          },
          created_at: new Date().toISOString(),
        };
        const t = Date.now();
        const v1 = await workos.webhooks.computeSignature(t, payload, SECRET);
        const answer = await rawRequest(served.webhookUrl, {
          headers: { 'content-type': 'application/json', 'workos-signature': `t=${t}, v1=${v1}` },
          body: JSON.stringify(payload),
        });
        expect(answer).toMatchObject({ status: 200 });
        expect(JSON.parse(answer.body)).toEqual({ received: true, duplicate: false });
        const again = await rawRequest(served.webhookUrl, {
          headers: { 'workos-signature': `t=${t}, v1=${v1}` },
          body: JSON.stringify(payload),
        });
        expect(JSON.parse(again.body)).toEqual({ received: true, duplicate: true });
        expect(await inboxCounts(served.path)).toEqual({ held: 1 });
      } finally {
        await served.service.stop();
        await emu.close();
      }
    });

    it('hostile requests get their status and leave no row anywhere', async () => {
      const emu = await startEmulator({ seed: 74, events: 200 });
      const served = await serveFor(emu, {}, {}, kind);
      try {
        await waitFor(
          async () => (await served.sync.store.status()).state.last_success_at !== undefined,
          10_000,
        );
        const before = await dumpTables(served.path);
        const inboxBefore = await inboxCounts(served.path);
        const event = JSON.stringify({
          object: 'event',
          id: 'event_01HOSTILE0000000000000000000',
          event: 'organization.created',
          data: {
            object: 'organization',
            id: 'org_01HOSTILE',
            name: 'Evil',
            domains: [],
            created_at: '2026-01-01T00:00:00.000Z',
            updated_at: '2026-01-01T00:00:00.000Z',
          },
          created_at: '2026-01-01T00:00:00.000Z',
        });
        const now = Date.now();
        const sign = (body: string, t = now, secret = SECRET) => signWorkOSWebhook(body, secret, t);
        const signBytes = (bytes: Buffer) =>
          `t=${now}, v1=${createHmac('sha256', SECRET)
            .update(Buffer.concat([Buffer.from(`${now}.`), bytes]))
            .digest('hex')}`;
        const big = 'x'.repeat(1_000_001);
        const cases: {
          name: string;
          status: number;
          reason?: string;
          send: () => Promise<{ status: number; body: string }>;
        }[] = [
          {
            name: 'no header',
            status: 401,
            reason: 'missing_signature',
            send: () => rawRequest(served.webhookUrl, { body: event }),
          },
          {
            name: 'malformed header',
            status: 401,
            reason: 'malformed_signature',
            send: () =>
              rawRequest(served.webhookUrl, {
                body: event,
                headers: { 'workos-signature': 'v1=abc' },
              }),
          },
          {
            name: 'non-hex signature',
            status: 401,
            reason: 'malformed_signature',
            send: () =>
              rawRequest(served.webhookUrl, {
                body: event,
                headers: { 'workos-signature': `t=${now}, v1=${'z'.repeat(64)}` },
              }),
          },
          {
            name: 'wrong secret',
            status: 401,
            reason: 'bad_signature',
            send: () =>
              rawRequest(served.webhookUrl, {
                body: event,
                headers: { 'workos-signature': sign(event, now, 'whsec_wrong') },
              }),
          },
          {
            name: 'stale timestamp',
            status: 401,
            reason: 'stale_timestamp',
            send: () =>
              rawRequest(served.webhookUrl, {
                body: event,
                headers: { 'workos-signature': sign(event, now - 181_000) },
              }),
          },
          {
            name: 'future timestamp',
            status: 401,
            reason: 'future_timestamp',
            send: () =>
              rawRequest(served.webhookUrl, {
                body: event,
                headers: { 'workos-signature': sign(event, now + 181_000) },
              }),
          },
          {
            name: 'seconds, not milliseconds',
            status: 401,
            reason: 'stale_timestamp',
            send: () =>
              rawRequest(served.webhookUrl, {
                body: event,
                headers: { 'workos-signature': sign(event, Math.floor(now / 1000)) },
              }),
          },
          {
            name: 'body altered after signing',
            status: 401,
            reason: 'bad_signature',
            send: () =>
              rawRequest(served.webhookUrl, {
                body: event.replace('Evil', 'Evi1'),
                headers: { 'workos-signature': sign(event) },
              }),
          },
          {
            name: 're-serialised body',
            status: 401,
            reason: 'bad_signature',
            send: () =>
              rawRequest(served.webhookUrl, {
                body: JSON.stringify(JSON.parse(event), null, 2),
                headers: { 'workos-signature': sign(event) },
              }),
          },
          {
            name: 'oversized body (content-length)',
            status: 413,
            reason: 'too_large',
            send: () =>
              rawRequest(served.webhookUrl, {
                body: big,
                headers: { 'workos-signature': sign(big) },
              }),
          },
          {
            name: 'oversized body (chunked)',
            status: 413,
            reason: 'too_large',
            send: () =>
              rawRequest(served.webhookUrl, {
                body: big,
                chunked: true,
                headers: { 'workos-signature': sign(big) },
              }),
          },
          {
            name: 'signed, but not JSON',
            status: 400,
            reason: 'invalid_json',
            send: () =>
              rawRequest(served.webhookUrl, {
                body: '{"id": ',
                headers: { 'workos-signature': sign('{"id": ') },
              }),
          },
          {
            name: 'signed, but not UTF-8',
            status: 400,
            reason: 'invalid_json',
            send: () =>
              rawRequest(served.webhookUrl, {
                body: Buffer.from([0x22, 0xff, 0x22]),
                headers: {
                  'workos-signature': signBytes(Buffer.from([0x22, 0xff, 0x22])),
                },
              }),
          },
          {
            // JSON.parse takes any depth; JSON.stringify overflowed the stack (500 before, so
            // WorkOS would have redelivered it for days).
            name: 'signed event nested 30,000 levels deep (180 kB)',
            status: 400,
            reason: 'too_deep',
            send: () => {
              const deep = event.replace(
                '"data":{',
                `"data":{"x":${'['.repeat(30_000)}${']'.repeat(30_000)},`,
              );
              return rawRequest(served.webhookUrl, {
                body: deep,
                headers: { 'workos-signature': sign(deep) },
              });
            },
          },
          {
            name: 'signed JSON, not an event',
            status: 400,
            reason: 'not_an_event',
            send: () =>
              rawRequest(served.webhookUrl, {
                body: '{"hello":"world"}',
                headers: { 'workos-signature': sign('{"hello":"world"}') },
              }),
          },
          {
            name: 'wrong method',
            status: 405,
            reason: 'method_not_allowed',
            send: () =>
              rawRequest(served.webhookUrl, {
                method: 'PUT',
                body: event,
                headers: { 'workos-signature': sign(event) },
              }),
          },
          {
            name: 'GET',
            status: 405,
            reason: 'method_not_allowed',
            send: () => rawRequest(served.webhookUrl, { method: 'GET' }),
          },
          {
            name: 'huge header',
            status: 431,
            send: () =>
              rawRequest(served.webhookUrl, {
                body: event,
                headers: { 'workos-signature': sign(event), 'x-padding': 'p'.repeat(20_000) },
              }),
          },
        ];
        const results: Record<string, number> = {};
        for (const c of cases) {
          try {
            results[c.name] = (await c.send()).status;
          } catch (error) {
            throw new Error(`${c.name}: ${(error as Error).message}`, { cause: error });
          }
        }
        expect(results).toEqual(Object.fromEntries(cases.map((c) => [c.name, c.status])));
        for (const reason of new Set(cases.map((c) => c.reason).filter(Boolean)))
          expect(
            await metricValue(served.metrics, 'authsync_webhook_rejections_total', {
              reason: reason!,
            }),
            reason,
          ).toBe(cases.filter((c) => c.reason === reason).length);
        expect(await dumpTables(served.path)).toBe(before);
        expect(await inboxCounts(served.path)).toEqual(inboxBefore);
        // Still serving after all of that.
        expect((await rawRequest(`${served.service.url}/healthz`, { method: 'GET' })).status).toBe(
          200,
        );
      } finally {
        await served.service.stop();
        await emu.close();
      }
    });
  });
