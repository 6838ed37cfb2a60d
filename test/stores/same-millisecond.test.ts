import { describe, expect, it } from 'vitest';
import type { RowChange } from '../../src/engine/changes.js';
import { STORE_KINDS, tempDb } from '../helpers/test-db.js';

const T = '2026-11-23T01:28:11.564Z';
const member = (eventId: string): RowChange => ({
  op: 'upsert',
  table: 'workos_directory_group_members',
  row: {
    directory_group_id: 'directory_group_1',
    directory_user_id: 'directory_user_1',
    directory_id: 'directory_1',
    created_at: T,
    updated_at: T,
    last_event_id: eventId,
  },
  updatedAt: T,
});
const removal = (eventId: string): RowChange => ({
  op: 'delete',
  table: 'workos_directory_group_members',
  key: 'directory_group_1/directory_user_1',
  at: T,
  eventId,
});

// Found by the Worker's kill test: a directory sync burst removed a user from a group and added
// them back within one millisecond; the re-add was refused by the removal's tombstone.
for (const kind of STORE_KINDS)
  describe(`a removal and a write in the same millisecond are ordered by event id (${kind})`, () => {
    const rows = async (changes: RowChange[][]) => {
      const db = tempDb(kind);
      const store = db.store();
      try {
        await store.migrate();
        for (const batch of changes) await store.commit({ received: [], changes: batch });
        return (
          await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM workos_directory_group_members')
        )[0]!.n;
      } finally {
        await store.close();
      }
    };

    it('removed, then re-added: the row is there (in one commit or two)', async () => {
      expect(Number(await rows([[removal('event_01'), member('event_02')]]))).toBe(1);
      expect(Number(await rows([[removal('event_01')], [member('event_02')]]))).toBe(1);
    });

    it('added, then removed: the row is gone, whatever order the two are applied in', async () => {
      expect(Number(await rows([[member('event_01'), removal('event_02')]]))).toBe(0);
      // A replay of the add after the removal does not resurrect it.
      expect(Number(await rows([[removal('event_02')], [member('event_01')]]))).toBe(0);
    });

    it('a re-add applied before the removal it follows (late delivery) keeps the row', async () => {
      expect(Number(await rows([[member('event_02')], [removal('event_01')]]))).toBe(1);
    });
  });
