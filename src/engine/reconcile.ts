import { snapshotPageChanges } from './first-import.js';
import type { SnapshotSource } from './ports.js';
import type { Provider } from './provider.js';
import type { SyncStore, TableRepairs } from './store.js';

export interface TablesReport {
  /** Objects read from the list endpoints. */
  objects: number;
  /** Repairs per table (tables needing none are left out). */
  tables: Record<string, TableRepairs>;
  totals: TableRepairs;
  /** Why no row was deleted this run, when none could safely be. */
  pruneSkipped?: string;
}

/**
 * Compares the tables with the provider's list endpoints and repairs them: rows missing here are
 * inserted, rows older here are updated (both through the usual guarded upserts, so a row an event
 * changed meanwhile is never set back), and rows here that the lists no longer show are deleted —
 * only rows last written well before the reading began, since a newer one may simply be younger
 * than the page that would have listed it. Memory stays bounded: the lists are read page by page
 * and the keys seen are kept by the store.
 */
export async function reconcileTables(options: {
  store: SyncStore;
  snapshot: SnapshotSource;
  provider: Provider;
  startedAtMs: number;
  /** Allowance for the provider's clock being behind ours (default 60 s). */
  clockSkewMs?: number;
  signal?: AbortSignal;
  onProgress?: (objects: number) => void;
  /** An object the projection cannot read: not repaired, and nothing is pruned this run. */
  onSkipped?: (name: string, error: string) => void;
}): Promise<TablesReport> {
  const { store, snapshot, provider } = options;
  const reconciled = provider.tables.tables.filter((t) => !t.log).map((t) => t.name);
  await store.reconcileStart(reconciled);
  const tables: Record<string, TableRepairs> = {};
  const repairsOf = (table: string) => (tables[table] ??= { missing: 0, stale: 0, deleted: 0 });
  let objects = 0;
  /** An object could not be read: then a row's absence from the listing proves nothing. */
  let unsure = false;
  for await (const { items } of snapshot.snapshot(options.signal)) {
    const { changes, parked } = snapshotPageChanges(provider, items);
    for (const p of parked) {
      unsure = true;
      options.onSkipped?.(p.event.id, p.error);
    }
    const page = await store.reconcilePage(changes);
    for (const [table, r] of Object.entries(page)) {
      repairsOf(table).missing += r.missing;
      repairsOf(table).stale += r.stale;
    }
    objects += items.length;
    options.onProgress?.(objects);
  }
  const before = new Date(options.startedAtMs - (options.clockSkewMs ?? 60_000)).toISOString();
  // Another source of the same provider writes the same tables: a row this source's listing
  // lacks may be that source's, so nothing is pruned (the rest is repaired as usual).
  const sharing = (await store.sources()).filter(
    (s) => s.provider === provider.name && s.id !== store.source.id,
  );
  const pruneSkipped =
    sharing.length > 0
      ? `source ${sharing.map((s) => s.id).join(', ')} writes the same tables`
      : undefined;
  const deleted = unsure || pruneSkipped ? {} : await store.reconcileFinish(reconciled, before);
  for (const [table, n] of Object.entries(deleted)) repairsOf(table).deleted += n;
  const totals: TableRepairs = { missing: 0, stale: 0, deleted: 0 };
  for (const r of Object.values(tables)) {
    totals.missing += r.missing;
    totals.stale += r.stale;
    totals.deleted += r.deleted;
  }
  return { objects, tables, totals, ...(pruneSkipped ? { pruneSkipped } : {}) };
}
