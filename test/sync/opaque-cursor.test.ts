import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import type { EventSource } from '../../src/engine/ports.js';
import { SyncEngine } from '../../src/engine/sync.js';
import { workos } from '../../src/providers/workos/index.js';
import { tempDb } from '../helpers/test-db.js';

/**
 * A source that pages by its own offsets, not by event ids (as a stream with resumable offsets
 * does): it knows each event's token only as the object it handed out, and refuses any token it
 * did not give. The engine must store and pass back its tokens, never an event id.
 */
function offsetSource(events: () => unknown[]) {
  const tokens = new WeakMap<object, string>();
  const asked: (string | null)[] = [];
  const source: EventSource = {
    cursorAfter: (raw) => tokens.get(raw as object) ?? null,
    async readPage(cursor, limit) {
      asked.push(cursor.after);
      let from = 0;
      if (cursor.after !== null) {
        const match = /^offset:(\d+)$/.exec(cursor.after);
        if (!match) throw new Error(`not a token of this source: ${cursor.after}`);
        from = Number(match[1]) + 1;
      }
      return events()
        .slice(from, from + limit)
        .map((e, i) => {
          const copy = structuredClone(e) as object;
          tokens.set(copy, `offset:${from + i}`);
          return copy;
        });
    },
  };
  return { source, asked };
}

describe('the cursor is the source’s own token', () => {
  it('a source paging by offsets is read to its head, resumed after a restart, every event applied once', async () => {
    const emu = await startEmulator({ seed: 'opaque-cursor', events: 1200 });
    const db = tempDb('sqlite');
    const store = db.store();
    try {
      await store.migrate();
      const world = emu.emulator.world.events;
      const raw = () =>
        Array.from({ length: world.length }, (_, i) => JSON.parse(world.at(i)!.json));
      const engine = () =>
        new SyncEngine({
          store,
          events: offsetSource(raw).source,
          provider: workos,
          importOnFirstRun: false,
          settleMs: 0,
          pageLimit: 100,
        });
      const first = await engine().drain();
      expect(first.applied).toBe(1200);
      expect((await store.readCursor()).after).toBe('offset:1199');

      // More events; a new engine (a restart) reads on from the stored token.
      emu.emulator.generateNow(150);
      const { source, asked } = offsetSource(raw);
      const second = await new SyncEngine({
        store,
        events: source,
        provider: workos,
        importOnFirstRun: false,
        settleMs: 0,
        pageLimit: 100,
      }).drain();
      expect(asked[0]).toBe('offset:1199');
      expect(second.applied).toBe(world.length - 1200);
      expect(second.duplicates).toBe(0);
      const [row] = await db.query<{ n: number }>(
        "SELECT count(*) AS n FROM authsync_events WHERE status = 'applied'",
      );
      expect(Number(row?.n)).toBe(world.length);
    } finally {
      await store.close();
      await emu.close();
    }
  });
});
