import type { Checkpoint, Logger, Projector, SnapshotSource } from './ports.js';
import type { SyncStore } from './store.js';
import type { Progress } from './sync.js';

/**
 * First import: the current state from the list endpoints, page by page, then the cursor set to
 * a point safely before the import began (so nothing between the two is missed; the guards make
 * the overlap harmless). The cursor is written last: a crash during the import restarts it.
 */
export async function importState(
  deps: {
    store: SyncStore;
    snapshot: SnapshotSource;
    projector: Projector;
    log: Logger;
    clock: () => number;
    overlapMs: number;
    checkpoint: (name: Checkpoint) => void;
    onProgress?: (p: Progress) => void;
  },
  signal?: AbortSignal,
): Promise<number> {
  const { store, log } = deps;
  const startedAt = deps.clock();
  const followFrom = new Date(startedAt - deps.overlapMs).toISOString();
  let count = 0;
  log.info('first import: reading current state from the list endpoints');
  for await (const items of deps.snapshot.snapshot(signal)) {
    const changes = items.flatMap((item) => deps.projector.snapshotChanges(item));
    await store.commit({ received: [], changes });
    count += items.length;
    deps.checkpoint('import-page-committed');
    deps.onProgress?.({ phase: 'import', count, startedAtMs: startedAt });
  }
  await store.commit({
    received: [],
    changes: [],
    cursor: { after: null, rangeStart: followFrom },
  });
  await store.setState('imported_at', new Date(startedAt).toISOString());
  log.info('first import done', { objects: count, followFrom });
  return count;
}
