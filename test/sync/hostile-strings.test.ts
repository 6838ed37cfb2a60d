import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { Random } from '../../src/emulator/random.js';
import { expectPlanted, plant } from '../helpers/hostile-strings.js';
import { syncFor } from '../helpers/sync-env.js';
import { STORE_KINDS, tempDb } from '../helpers/test-db.js';

/**
 * Strings as WorkOS accepts them — NUL and other control characters, lone surrogates, RTL
 * marks, 4-byte characters, text that looks like a JSON escape, very long text — in every
 * free-text field the emulator lets a client set, on every table they reach. Through events and
 * through the first import, on each store, the sync must apply every event (no dead letter, no
 * failed commit) and the tables must hold what `engine/storable-text.ts` documents: text as
 * given where the database can keep it, U+FFFD for NUL and lone surrogates where it cannot
 * (PostgreSQL), and the same JSON (`raw`, `metadata`) on every store.
 */
const SEEDS = Array.from({ length: Number(process.env.AUTHSYNC_SOAK_SEEDS ?? 2) }, (_, i) => i + 1);

for (const kind of STORE_KINDS)
  describe(`hostile strings in every synced text field (${kind})`, () => {
    for (const seed of SEEDS)
      it(`seed ${seed}: through events and through the first import`, async () => {
        const random = new Random(`hostile-strings:${seed}`);
        const emu = await startEmulator({ seed, events: 300 });
        const byEvents = tempDb(kind);
        const byImport = tempDb(kind);
        try {
          // Events: the sync is at the head, then the hostile changes come as events.
          const first = syncFor(emu, byEvents, { importOnFirstRun: false, settleMs: 0 });
          await first.runOnce();
          const planted = await plant(emu, random);
          emu.emulator.generateNow(200);
          await first.runOnce();
          await first.close();
          for (const [db, how] of [
            [byEvents, 'events'],
            [byImport, 'import'],
          ] as const) {
            const sync = syncFor(emu, db, { settleMs: 0 });
            await sync.runOnce();
            await sync.close();
            const context = `${kind} seed ${seed} (${how})`;
            expect(await db.query('SELECT * FROM authsync_dead_letters'), context).toEqual([]);
            const notApplied = await db.query(
              "SELECT id, status FROM authsync_events WHERE status <> 'applied'",
            );
            expect(notApplied, context).toEqual([]);
            await expectPlanted(kind, db, planted, context);
          }
          const counted = await byEvents.query<{ n: number }>(
            'SELECT COUNT(*) AS n FROM authsync_events',
          );
          expect(counted[0]!.n).toBe(emu.emulator.world.events.length);
        } finally {
          await emu.close();
        }
      }, 60_000);
  });
