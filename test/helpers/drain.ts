import { workos } from '../../src/providers/workos/index.js';
import type { Emulator } from '../../src/emulator/index.js';
import type { SyncStore } from '../../src/engine/store.js';
import { SyncEngine } from '../../src/engine/sync.js';
import { cursorById } from './cursor.js';

/**
 * Applies the emulator's events from index `from` on into `store`, in pages of 100, as the sync
 * would but without HTTP. Returns how many were applied.
 */
export async function drainEmulator(
  store: SyncStore,
  emulator: Emulator,
  from: number,
): Promise<number> {
  const events: unknown[] = [];
  for (let i = from; i < emulator.world.events.length; i++)
    events.push(JSON.parse(emulator.world.events.at(i)!.json));
  const pages = Array.from({ length: Math.ceil(events.length / 100) }, (_, i) =>
    events.slice(i * 100, i * 100 + 100),
  );
  let next = 0;
  const engine = new SyncEngine({
    store,
    events: { readPage: async () => (pages[next++] ?? []) as never, cursorAfter: cursorById },
    provider: workos,
    importOnFirstRun: false,
    settleMs: 0,
    readParallelism: 1,
  });
  return (await engine.drain()).applied;
}
