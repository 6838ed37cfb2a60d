import { describe, expect, it } from 'vitest';
import { startAuth0Emulator } from '../../src/emulator/auth0/server.js';
import { auth0Differences, auth0SyncFor } from '../helpers/auth0-truth.js';
import { serveSync, waitFor } from '../helpers/serve-env.js';
import { STORE_KINDS, tempDb } from '../helpers/test-db.js';

const TOKEN = 'est-token-0f3a9c';

for (const kind of STORE_KINDS)
  describe(`Auth0 Event Streams into authsync serve (${kind})`, () => {
    it('duplicated, reordered CloudEvents of every kind of change, with the logs: the tables equal the tenant with no reconciliation, each event applied once', async () => {
      const emu = await startAuth0Emulator({ seed: `streams-${kind}`, changes: 300, hours: 1 });
      const db = tempDb(kind);
      const sync = auth0SyncFor(emu, db, {
        settleMs: 0,
        pollIntervalMs: 200,
        auth0: { eventStream: { header: 'authorization', value: `Bearer ${TOKEN}` } },
      });
      const service = await serveSync(sync);
      try {
        await waitFor(async () => (await sync.status()).importedAt !== null, 20_000);
        const stream = emu.emulator.configureEventStream({
          url: `${service.url}/webhooks/auth0`,
          authorization: { method: 'bearer', token: TOKEN },
          duplicateRate: 0.3,
          reorderMs: 300,
        });
        // Signups, logins, SCIM, imports and invitations too: no sapi log, but an event each.
        // A change per millisecond or so: two changes of one object within one millisecond carry
        // the same time, which no event orders (see docs/guarantees.md).
        for (let i = 0; i < 400; i++) {
          emu.emulator.generateNow(1);
          await new Promise((r) => setTimeout(r, 2));
        }
        await waitFor(
          () => [...stream.deliveries.values()].every((d) => d.status !== 'pending'),
          20_000,
        );
        const deliveries = [...stream.deliveries.values()];
        expect(deliveries.length).toBeGreaterThan(300);
        expect(deliveries.filter((d) => d.status !== 'delivered')).toEqual([]);
        await waitFor(
          async () => (await auth0Differences(emu, db)).length === 0,
          20_000,
          () => auth0Differences(emu, db),
        );
        const events = await db.query<{ id: string; status: string }>(
          "SELECT id, status FROM authsync_events WHERE id LIKE 'evt_%'",
        );
        expect(events.length).toBe(deliveries.length);
        expect(new Set(events.map((e) => e.status))).toEqual(new Set(['applied']));
      } finally {
        // Closes the database too.
        await service.stop();
        await emu.close();
      }
    });
  });

describe('Event Streams deliveries are authorized before anything is read', () => {
  it('a missing or wrong Authorization is refused (401) and stores nothing; a right one is stored', async () => {
    const emu = await startAuth0Emulator({ seed: 'stream-auth', changes: 5 });
    const db = tempDb('sqlite');
    const sync = auth0SyncFor(emu, db, {
      auth0: { eventStream: { header: 'authorization', value: `Bearer ${TOKEN}` } },
    });
    const body = new TextEncoder().encode(
      JSON.stringify({
        specversion: '1.0',
        type: 'organization.created',
        source: 'urn:auth0:acme',
        id: 'evt_aaaaaaaaaaaaaaaaaaaaaa',
        time: new Date().toISOString(),
        data: { object: { id: 'org_1', name: 'one' } },
        a0tenant: 'acme',
        a0stream: 'est_1',
      }),
    );
    try {
      for (const given of [undefined, 'Bearer wrong', `Bearer ${TOKEN}x`, TOKEN])
        expect((await sync.receiveWebhook(body, () => given)).status).toBe(401);
      const [none] = await db.query<{ n: number }>('SELECT count(*) AS n FROM authsync_events');
      expect(Number(none!.n)).toBe(0);
      const ok = await sync.receiveWebhook(body, (name) =>
        name === 'authorization' ? `Bearer ${TOKEN}` : undefined,
      );
      expect(ok).toMatchObject({
        status: 200,
        eventId: 'evt_aaaaaaaaaaaaaaaaaaaaaa',
        duplicate: false,
      });
      const again = await sync.receiveWebhook(body, () => `Bearer ${TOKEN}`);
      expect(again).toMatchObject({ status: 200, duplicate: true });
      await waitFor(
        async () => (await db.query('SELECT id FROM auth0_organizations')).length === 1,
        5000,
      );
      // Authorized but hostile bodies: refused, or parked visibly, never stopping anything.
      const auth = () => `Bearer ${TOKEN}`;
      const enc = (text: string) => new TextEncoder().encode(text);
      expect((await sync.receiveWebhook(enc('{not json'), auth)).status).toBe(400);
      expect((await sync.receiveWebhook(enc('[1,2]'), auth)).status).toBe(400);
      expect((await sync.receiveWebhook(new Uint8Array([0xff, 0xfe]), auth)).status).toBe(400);
      const deep = `{"specversion":"1.0","id":"evt_deep","data":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
      expect([200, 400]).toContain((await sync.receiveWebhook(enc(deep), auth)).status);
      // NUL, lone surrogates and a time that is no time: parked as a dead letter.
      const odd = JSON.stringify({
        specversion: '1.0',
        type: 'user.created',
        id: 'evt_bbbbbbbbbbbbbbbbbbbbbb',
        time: new Date().toISOString(),
        data: {
          object: {
            user_id: 'auth0|x\u0000\ud800',
            name: 'nul \u0000 \udfff',
            created_at: 'never',
          },
        },
      });
      expect((await sync.receiveWebhook(enc(odd), auth)).status).toBe(200);
      await waitFor(
        async () =>
          (
            await db.query(
              "SELECT event_id FROM authsync_dead_letters WHERE event_id = 'evt_bbbbbbbbbbbbbbbbbbbbbb'",
            )
          ).length === 1,
        5000,
      );
      // The organization stayed; nothing else was stopped.
      expect(await db.query('SELECT id FROM auth0_organizations')).toHaveLength(1);
    } finally {
      await sync.close();
      await emu.close();
    }
  });
});
