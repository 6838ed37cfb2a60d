import { commitBatch } from '../../src/engine/store.js';
import { describe, expect, it } from 'vitest';
import type { RowChange } from '../../src/engine/changes.js';
import type { CommitBatch, InboxEvent } from '../../src/engine/store.js';
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

const inbox = (id: string): InboxEvent => ({
  id,
  type: 'dsync.group.user_added',
  lane: 'directory_1',
  createdAt: T,
  json: '{}',
});

type Step = { events: string[]; changes: RowChange[]; webhook?: boolean; seen?: string[] };

const rows = async (kind: (typeof STORE_KINDS)[number], keyed: boolean, steps: Step[]) => {
  const db = tempDb(kind);
  // Keyed: the provider's ids sort in stream order (WorkOS's); else the engine numbers events.
  const store = db.store({ id: 'workos', provider: 'workos', orderedIds: keyed });
  try {
    await store.migrate();
    for (const step of steps) {
      const batch: CommitBatch = commitBatch({
        received: [
          ...step.events.map((id) => ({
            event: inbox(id),
            status: 'applied' as const,
            source: step.webhook ? 'webhook' : 'api',
          })),
          ...(step.seen ?? []).map((id) => ({
            event: inbox(id),
            status: 'seen' as const,
            source: 'api',
          })),
        ],
        changes: step.changes,
      });
      await store.commit(batch);
    }
    return Number(
      (
        await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM workos_directory_group_members')
      )[0]!.n,
    );
  } finally {
    await store.close();
  }
};

// Found by the Worker's kill test: a directory sync burst removed a user from a group and added
// them back within one millisecond; the re-add was refused by the removal's tombstone.
for (const kind of STORE_KINDS)
  for (const keyed of [true, false])
    describe(`a removal and a write in the same millisecond are ordered by stream position (${kind}, ${keyed ? "the provider's order key" : "the engine's numbering"})`, () => {
      // Without an order key, ids that sort against the stream: only positions can order them.
      const [e1, e2] = keyed ? ['event_01', 'event_02'] : ['z_first', 'a_second'];
      it('removed, then re-added: the row is there (in one commit or two)', async () => {
        expect(
          await rows(kind, keyed, [
            {
              events: [e1, e2],
              changes: [removal(e1), member(e2)],
            },
          ]),
        ).toBe(1);
        expect(
          await rows(kind, keyed, [
            { events: [e1], changes: [removal(e1)] },
            { events: [e2], changes: [member(e2)] },
          ]),
        ).toBe(1);
      });

      it('added, then removed: the row is gone, whatever order the two are applied in', async () => {
        expect(
          await rows(kind, keyed, [
            {
              events: [e1, e2],
              changes: [member(e1), removal(e2)],
            },
          ]),
        ).toBe(0);
        // A replay of the add after the removal does not resurrect it.
        expect(
          await rows(kind, keyed, [
            { events: [e1, e2], changes: [removal(e2)] },
            { events: [], changes: [member(e1)] },
          ]),
        ).toBe(0);
      });

      it('a re-add applied before the removal it follows (late delivery) keeps the row', async () => {
        // The re-add came first by webhook; then the API shows the removal, and the re-add after it.
        expect(
          await rows(kind, keyed, [
            { events: [e2], webhook: true, changes: [member(e2)] },
            { events: [e1], seen: [e2], changes: [removal(e1)] },
          ]),
        ).toBe(1);
      });
    });
