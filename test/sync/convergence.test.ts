import { workos } from '../../src/providers/workos/index.js';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { SyncEngine } from '../../src/engine/sync.js';
import { Random } from '../../src/emulator/random.js';
import { dumpTables, syncFor } from '../helpers/sync-env.js';
import { STORE_KINDS, tempDb } from '../helpers/test-db.js';
import { differencesFromApi } from '../helpers/truth.js';
import { cursorById } from '../helpers/cursor.js';

for (const kind of STORE_KINDS)
  describe(`sync converges to the emulator state (${kind})`, () => {
    for (const seed of [1, 2, 3]) {
      it(`from the whole event stream (seed ${seed}), and a second run changes nothing`, async () => {
        const emu = await startEmulator({ seed, events: 4000 });
        const path = tempDb(kind);
        const messages: string[] = [];
        const note = (m: string) => void messages.push(m);
        const logger = { info: note, warn: note, error: note };
        const sync = syncFor(emu, path, { importOnFirstRun: false, settleMs: 0, logger });
        try {
          const result = await sync.runOnce();
          // 30 days of history: read as parallel time slices, applied in stream order.
          expect(messages).toContain('catching up a backlog in parallel slices');
          expect(result).toMatchObject({
            fetched: 4000,
            applied: 4000,
            duplicates: 0,
            deadLettered: 0,
          });
          expect(await differencesFromApi(emu, path)).toEqual([]);
          const before = await dumpTables(path);
          const again = await sync.runOnce();
          expect(again.applied).toBe(0);
          expect(await dumpTables(path)).toBe(before);
        } finally {
          await sync.close();
          await emu.close();
        }
      });
    }

    for (const seed of [4, 5]) {
      it(`from a first import, then the events that follow it (seed ${seed})`, async () => {
        const emu = await startEmulator({ seed, events: 5000 });
        const path = tempDb(kind);
        const sync = syncFor(emu, path, { settleMs: 0 });
        try {
          const first = await sync.runOnce();
          expect(first.imported).toBeGreaterThan(1000);
          // Events read only from shortly before the import: the overlap, not the history.
          expect(first.fetched).toBeLessThan(200);
          expect(await differencesFromApi(emu, path)).toEqual([]);
          emu.emulator.generateNow(1500);
          const second = await sync.runOnce();
          expect(second.applied).toBe(1500);
          expect(await differencesFromApi(emu, path)).toEqual([]);
        } finally {
          await sync.close();
          await emu.close();
        }
      });
    }

    it('the comparison notices a damaged table (so the checks above can fail)', async () => {
      const emu = await startEmulator({ seed: 9, events: 1500 });
      const path = tempDb(kind);
      const sync = syncFor(emu, path, { importOnFirstRun: false, settleMs: 0 });
      await sync.runOnce();
      await sync.close();
      await path.exec(
        "DELETE FROM workos_users WHERE id = (SELECT id FROM workos_users ORDER BY id LIMIT 1); UPDATE workos_organization_memberships SET status = 'bogus' WHERE id = (SELECT id FROM workos_organization_memberships ORDER BY id LIMIT 1)",
      );
      const diff = await differencesFromApi(emu, path);
      await emu.close();
      expect(diff).toHaveLength(2);
    });

    for (const seed of [11, 12, 13])
      it(`converges when events arrive shuffled and duplicated (seed ${seed})`, async () => {
        const emu = await startEmulator({ seed, events: 3000 });
        const all: unknown[] = [];
        let after = '';
        for (;;) {
          const r = await fetch(
            `${emu.url}/events?order=asc&limit=100${after ? `&after=${after}` : ''}`,
            { headers: { authorization: `Bearer ${emu.apiKey}` } },
          );
          const body = (await r.json()) as {
            data: { id: string }[];
            list_metadata: { after: string | null };
          };
          all.push(...body.data);
          if (!body.list_metadata.after) break;
          after = body.list_metadata.after;
        }
        // Each event once or twice, in a random order, in pages of 100; then nothing more.
        const random = new Random(`shuffle${seed}`);
        const delivered = all.flatMap((e) => (random.chance(0.3) ? [e, e] : [e]));
        for (let i = delivered.length - 1; i > 0; i--) {
          const j = random.int(i + 1);
          [delivered[i], delivered[j]] = [delivered[j], delivered[i]];
        }
        let position = 0;
        const path = tempDb(kind);
        const store = path.store();
        await store.migrate();
        const engine = new SyncEngine({
          store,
          events: {
            readPage: async (_cursor, limit) => delivered.slice(position, (position += limit)),
            cursorAfter: cursorById,
          },
          provider: workos,
          importOnFirstRun: false,
          settleMs: 0,
          // These pages ignore the cursor, so no parallel slices: one reader takes them in turn.
          readParallelism: 1,
        });
        // Shuffled pages break the "ascending" contract the cursor relies on, so feed them all.
        let fetched = 0;
        while (position < delivered.length) fetched += (await engine.drain()).fetched;
        await store.close();
        expect(fetched).toBe(delivered.length);
        expect(await differencesFromApi(emu, path)).toEqual([]);
        await emu.close();
      });
  });
