import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { syncFor } from '../helpers/sync-env.js';
import { STORE_KINDS, tempDb, type StoreKind } from '../helpers/test-db.js';
import { differencesFromApi } from '../helpers/truth.js';

/**
 * The emulator shows each new event 100..700 ms late, independently, so events become
 * visible out of order while the sync follows the live stream.
 */
async function followLiveStream(readerSettleMs: number, kind: StoreKind) {
  const emu = await startEmulator({ seed: 31, events: 200, settleMs: 100, settleJitterMs: 600 });
  const path = tempDb(kind);
  const sync = syncFor(emu, path, {
    settleMs: readerSettleMs,
    pollIntervalMs: 50,
    importOnFirstRun: false,
  });
  const controller = new AbortController();
  const running = sync.run(controller.signal);
  emu.emulator.startLive(150);
  await new Promise((r) => setTimeout(r, 3000));
  emu.emulator.stopLive();
  // Everything is visible after 700 ms, and settled for a reader after its window.
  await new Promise((r) => setTimeout(r, 800 + readerSettleMs + 300));
  controller.abort();
  await running;
  const total = emu.emulator.world.events.length;
  const status = await sync.store.status();
  const diff = await differencesFromApi(emu, path);
  await sync.close();
  await emu.close();
  return { total, inbox: status.inbox, diff };
}

for (const kind of STORE_KINDS)
  describe(`settle window (${kind})`, () => {
    it('applies events the API shows late, each once, when the window covers the delay', async () => {
      const { total, inbox, diff } = await followLiveStream(1000, kind);
      expect(total).toBeGreaterThan(500);
      expect(inbox.applied).toBe(total);
      expect(diff).toEqual([]);
    }, 30_000);

    it('without a window, a cursor that trusts "nothing newer" skips late events (why the window exists)', async () => {
      const { total, inbox } = await followLiveStream(0, kind);
      expect(inbox.applied ?? 0).toBeLessThan(total);
    }, 30_000);

    it('applies a burst larger than a page inside the window at once; the cursor stays before it', async () => {
      const emu = await startEmulator({ seed: 32, events: 300 });
      const path = tempDb(kind);
      const sync = syncFor(emu, path, {
        settleMs: 60_000,
        importOnFirstRun: false,
        readParallelism: 1,
      });
      try {
        await sync.runOnce();
        const cursorBefore = (await sync.store.readCursor()).after;
        emu.emulator.generateNow(350);
        const result = await sync.runOnce();
        // All 350 (four pages) now, though none is settled...
        expect(result.applied).toBe(350);
        expect(await differencesFromApi(emu, path)).toEqual([]);
        // ...and the cursor did not pass them, so the next drain reads them again (as duplicates).
        expect((await sync.store.readCursor()).after).toBe(cursorBefore);
        const again = await sync.runOnce();
        expect(again).toMatchObject({ applied: 0, duplicates: 350 });
      } finally {
        await sync.close();
        await emu.close();
      }
    });
  });
