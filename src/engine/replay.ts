import type { EngineEvent } from './event.js';
import { projectSafely, toInbox, unreadableInbox } from './inbox-event.js';
import type { EventSource } from './ports.js';
import type { Provider } from './provider.js';
import { lastCursor } from './catch-up.js';
import { commitBatch, type Cursor, type InboxEvent, type SyncStore } from './store.js';
import type { Progress } from './sync.js';

/**
 * Re-reads events from `since` and re-applies their rows. Nothing is delivered, the cursor does
 * not move, and events waiting in a blocked lane stay waiting (their lane decides when).
 */
export async function replay(
  deps: {
    store: SyncStore;
    events: EventSource;
    provider: Provider;
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
    const batch = commitBatch();
    const parsed = raw.map((r) => parseOrPark(deps.provider, r));
    const known = await store.knownEvents(parsed.map((p) => ('event' in p ? p.event : p.inbox).id));
    for (const item of parsed) {
      if (!('event' in item)) {
        // Unreadable: dead-lettered by whichever path met it first, or here if none did.
        if (known.has(item.inbox.id)) continue;
        const { inbox, error } = item;
        batch.received.push({ event: inbox, status: 'dead', source: 'replay' });
        batch.deadLetters.push({ eventId: inbox.id, lane: inbox.lane, error });
        continue;
      }
      const event = item.event;
      if (known.has(event.id)) {
        const stored = await store.inboxEvent(event.id);
        if (stored && stored.status !== 'applied') continue;
      }
      const outcome = projectSafely(deps.provider, event);
      if ('error' in outcome) continue;
      if (!known.has(event.id))
        batch.received.push({ event: toInbox(event), status: 'applied', source: 'replay' });
      batch.changes.push(...outcome.changes);
      reapplied++;
    }
    await store.commit(batch);
    deps.onProgress?.({ phase: 'replay', count: reapplied, startedAtMs: started });
    const after = lastCursor(deps.events, raw);
    if (raw.length < deps.pageLimit || after === null || after === cursor.after) break;
    cursor = { after, rangeStart: null };
  }
  return { reapplied };
}

type Parsed = { event: EngineEvent } | { inbox: InboxEvent; error: string };

function parseOrPark(provider: Provider, raw: unknown): Parsed {
  try {
    return { event: provider.parseEvent(raw) };
  } catch (error) {
    return { inbox: unreadableInbox(provider, raw), error: (error as Error).message };
  }
}
