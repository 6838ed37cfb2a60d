import type { RowChange } from './changes.js';
import { jsonOf } from './inbox-event.js';
import type { Checkpoint, Logger, SnapshotItem, SnapshotSource } from './ports.js';
import type { Provider } from './provider.js';
import { commitBatch, type InboxEvent, type SyncStore } from './store.js';
import type { KindTotal, Progress } from './sync.js';

/**
 * First import: the current state from the list endpoints, page by page, then the cursor set to
 * a point safely before the import began (so nothing between the two is missed; the guards make
 * the overlap harmless). The cursor is written last. An import cut short (a crash, or a Worker's
 * time limit) resumes from the last position the snapshot gave, and still follows events from
 * before the first attempt began.
 */
export async function importState(
  deps: {
    store: SyncStore;
    snapshot: SnapshotSource;
    provider: Provider;
    log: Logger;
    clock: () => number;
    overlapMs: number;
    checkpoint: (name: Checkpoint) => void;
    onProgress?: (p: Progress) => void;
  },
  signal?: AbortSignal,
): Promise<number> {
  const { store, log } = deps;
  const resumeFrom = (await store.getState('import_position')) ?? undefined;
  const firstStartedAt = await store.getState('import_started_at');
  const startedAt = firstStartedAt ? Date.parse(firstStartedAt) : deps.clock();
  if (!firstStartedAt) await store.setState('import_started_at', new Date(startedAt).toISOString());
  const followFrom = new Date(startedAt - deps.overlapMs).toISOString();
  let count = 0;
  const totals: Record<string, KindTotal> = {};
  const seen: Record<string, number> = {};
  log.info(
    resumeFrom
      ? 'first import: resuming where the last attempt stopped'
      : 'first import: reading current state from the list endpoints',
  );
  for await (const page of deps.snapshot.snapshot(signal, resumeFrom)) {
    for (const [kind, total] of Object.entries(page.totals ?? {}))
      totals[kind] = { done: seen[kind] ?? 0, total };
    if (page.items.length > 0) {
      const { changes, parked } = snapshotPageChanges(deps.provider, page.items);
      for (const p of parked)
        log.warn('an object could not be imported; parked as a dead letter, the import goes on', {
          eventId: p.event.id,
          error: p.error,
        });
      await store.commit(
        commitBatch({
          received: parked.map((p) => ({ event: p.event, status: 'dead', source: 'import' })),
          changes,
          deadLetters: parked.map((p) => ({
            eventId: p.event.id,
            lane: p.event.lane,
            error: p.error,
          })),
        }),
      );
      count += page.items.length;
      for (const item of page.items) {
        seen[item.kind] = (seen[item.kind] ?? 0) + 1;
        if (totals[item.kind]) totals[item.kind]!.done++;
      }
      deps.checkpoint('import-page-committed');
      deps.onProgress?.({ phase: 'import', count, startedAtMs: startedAt, totals });
    }
    // After the page's rows: a crash in between repeats the page (guarded upserts: harmless).
    if (page.resumeFrom) await store.setState('import_position', page.resumeFrom);
  }
  await store.commit(commitBatch({ cursor: { after: null, rangeStart: followFrom } }));
  await store.setState('imported_at', new Date(startedAt).toISOString());
  await store.setState('import_position', null);
  await store.setState('import_started_at', null);
  log.info('first import done', { objects: count, followFrom });
  return count;
}

/**
 * A page of snapshot objects as row changes, and the objects that cannot be imported (a field
 * the projection needs is missing or malformed). Those are parked visibly: an inbox row and a
 * dead letter named `import:<kind>:<id>`, in a lane of its own (it holds nothing back); the
 * object's next event, or a reconcile, brings its row.
 */
export function snapshotPageChanges(
  provider: Pick<Provider, 'snapshotChanges'>,
  items: readonly SnapshotItem[],
): { changes: RowChange[]; parked: { event: InboxEvent; kind: string; error: string }[] } {
  const changes: RowChange[] = [];
  const parked: { event: InboxEvent; kind: string; error: string }[] = [];
  for (const item of items) {
    try {
      changes.push(...provider.snapshotChanges(item));
    } catch (error) {
      const id = typeof item.object.id === 'string' ? item.object.id : '(no id)';
      const name = `import:${item.kind}:${id}`;
      parked.push({
        event: {
          id: name,
          type: `import.${item.kind}`,
          lane: name,
          createdAt: '',
          json: jsonOf(item.object),
        },
        kind: item.kind,
        error: `${item.kind} ${id} cannot be imported: ${(error as Error).message}`,
      });
    }
  }
  return { changes, parked };
}
