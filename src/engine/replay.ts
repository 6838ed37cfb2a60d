import { parseEvent } from './event.js';
import { projectSafely, toInbox } from './inbox-event.js';
import type { EventSource, Projector } from './ports.js';
import type { CommitBatch, Cursor, SyncStore } from './store.js';
import type { Progress } from './sync.js';

/**
 * Re-reads events from `since` and re-applies their rows. Effects do not run, the cursor does
 * not move, and events waiting in a blocked lane stay waiting (their lane decides when).
 */
export async function replay(
  deps: {
    store: SyncStore;
    events: EventSource;
    projector: Projector;
    pageLimit: number;
    clock: () => number;
    onProgress?: (p: Progress) => void;
  },
  since: Cursor,
  signal?: AbortSignal,
): Promise<{ reapplied: number }> {
  const { store } = deps;
  let cursor = since;
  let reapplied = 0;
  const started = deps.clock();
  for (;;) {
    signal?.throwIfAborted();
    const raw = await deps.events.readPage(cursor, deps.pageLimit, signal);
    if (raw.length === 0) break;
    const batch: CommitBatch = { received: [], changes: [] };
    const events = raw.map((r) => parseEvent(r));
    const known = await store.knownEvents(events.map((e) => e.id));
    for (const event of events) {
      if (known.has(event.id)) {
        const stored = await store.inboxEvent(event.id);
        if (stored && stored.status !== 'applied') continue;
      }
      const outcome = projectSafely(deps.projector, event);
      if ('error' in outcome) continue;
      if (!known.has(event.id))
        batch.received.push({ event: toInbox(event), status: 'applied', source: 'replay' });
      batch.changes.push(...outcome.changes);
      reapplied++;
    }
    await store.commit(batch);
    deps.onProgress?.({ phase: 'replay', count: reapplied, startedAtMs: started });
    cursor = { after: events[events.length - 1]!.id, rangeStart: null };
    if (raw.length < deps.pageLimit) break;
  }
  return { reapplied };
}
