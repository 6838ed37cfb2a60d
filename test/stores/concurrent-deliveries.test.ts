import { describe, expect, it } from 'vitest';
import type { InboxEvent } from '../../src/engine/store.js';
import { STORE_KINDS, tempDb } from '../helpers/test-db.js';

const event = (i: number): InboxEvent => ({
  id: `event_${String(i).padStart(3, '0')}`,
  type: 'user.created',
  lane: '',
  createdAt: '2026-11-23T05:00:00.000Z',
  json: JSON.stringify({ id: `event_${i}`, event: 'user.created' }),
});

// Found in CI: two serve processes (or two connections of one) given the same delivery at once
// both counted it as the first, so the `stored` metric read 801 for 800 events.
for (const kind of STORE_KINDS)
  describe(`the same webhook delivered to two stores at once (${kind})`, () => {
    it('is stored once: exactly one of the two deliveries counts as the first', async () => {
      const db = tempDb(kind);
      const [a, b] = [db.store(), db.store()];
      try {
        await a.migrate();
        const events = Array.from({ length: 40 }, (_, i) => event(i));
        const at = new Date().toISOString();
        const results = await Promise.all(
          events.map((e) => Promise.all([a.storeWebhookEvent(e, at), b.storeWebhookEvent(e, at)])),
        );
        for (const [first, second] of results)
          expect([first, second].filter(Boolean)).toHaveLength(1);
        // A third delivery, later, is a repeat.
        expect(await a.storeWebhookEvent(events[0]!, at)).toBe(false);
        const held = await db.query<{ n: number }>(
          "SELECT COUNT(*) AS n FROM authsync_events WHERE status = 'held' AND webhook_at IS NOT NULL",
        );
        expect(Number(held[0]!.n)).toBe(40);
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
