import { commitBatch } from '../../src/engine/store.js';
import { describe, expect, it } from 'vitest';
import type { RowChange } from '../../src/engine/changes.js';
import type { InboxEvent } from '../../src/engine/store.js';
import { STORE_KINDS, tempDb } from '../helpers/test-db.js';

const T = '2026-11-23T04:30:00.000Z';
const user = (id: string, createdAt: string | null = T): RowChange => ({
  op: 'upsert',
  table: 'workos_users',
  row: {
    id,
    email: `${id}@example.com`,
    created_at: createdAt,
    updated_at: T,
    raw: JSON.stringify({ id }),
  },
  updatedAt: T,
});
const received = (id: string) => ({
  event: {
    id,
    type: 'user.updated',
    lane: '',
    createdAt: T,
    json: '{}',
  } satisfies InboxEvent,
  status: 'applied' as const,
  source: 'api',
});

// PostgreSQL sends all of a commit's statements at once (pipelined): when one fails, the ones
// already sent after it must not commit, and the connection must come back usable. SQLite too.
for (const kind of STORE_KINDS)
  describe(`a commit that fails part-way (${kind})`, () => {
    it('writes nothing of it, keeps the cursor, and the next commit succeeds', async () => {
      const db = tempDb(kind);
      const store = db.store();
      try {
        await store.migrate();
        await store.commit(
          commitBatch({
            received: [received('event_00')],
            changes: [user('user_0')],
            cursor: { after: 'event_00', rangeStart: null },
          }),
        );
        // Many statements, the failing one (a row without its creation time) in the middle.
        const changes = Array.from({ length: 40 }, (_, i) => user(`user_${i + 1}`));
        changes.splice(20, 0, user('user_bad', null));
        await expect(
          store.commit(
            commitBatch({
              received: changes.map((_, i) => received(`event_${String(i + 1).padStart(2, '0')}`)),
              changes,
              outbox: [{ eventId: 'event_01', type: 'user.updated', json: '{}' }],
              cursor: { after: 'event_41', rangeStart: null },
            }),
          ),
        ).rejects.toThrow(/NOT NULL|null value/i);
        expect(await db.query('SELECT id FROM workos_users ORDER BY id')).toEqual([
          { id: 'user_0' },
        ]);
        expect(await db.query('SELECT id FROM authsync_events')).toEqual([{ id: 'event_00' }]);
        expect(await db.query('SELECT event_id FROM authsync_outbox')).toEqual([]);
        expect((await store.readCursor()).after).toBe('event_00');
        // Every connection still works (none left in an aborted transaction).
        for (let i = 0; i < 6; i++)
          await store.commit(
            commitBatch({
              received: [received(`event_${50 + i}`)],
              changes: [user(`user_${50 + i}`)],
              cursor: { after: `event_${50 + i}`, rangeStart: null },
            }),
          );
        expect((await db.query('SELECT id FROM workos_users')).length).toBe(7);
        expect((await store.readCursor()).after).toBe('event_55');
      } finally {
        await store.close();
      }
    });
  });
