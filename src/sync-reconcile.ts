import { DEFAULT_RECONCILE_EVERY_S } from './config.js';
import type { Logger, SnapshotSource } from './engine/ports.js';
import type { Provider } from './engine/provider.js';
import { reconcileTables, type TablesReport } from './engine/reconcile.js';
import type { SyncStore } from './engine/store.js';

export interface ReconcileReport extends TablesReport {
  startedAt: string;
  durationMs: number;
  events: {
    window: { from: string; to: string };
    /** Delivered by webhook, not shown by the API within the grace period: applied now. */
    appliedFromWebhooks: number;
    /** In the window: applied from a webhook because the API never showed them. */
    webhookOnly: number;
    /** In the window: shown by the API, never delivered by a webhook. */
    apiOnly: number;
  };
}

/** What a source's reconciliation reads and writes. */
export interface ReconcileParts {
  store: SyncStore;
  snapshot: SnapshotSource;
  provider: Provider;
  log: Logger;
  clock: () => number;
  /** How long a webhook's event may wait for the API to show it. */
  graceMs: number;
  /** Applies the webhook-delivered events the API has not shown within the grace period. */
  applyOverdue: () => Promise<number>;
}

/**
 * Reconciliation: (1) webhook-delivered events the API has not shown within the grace period
 * are applied, and events seen by only one of the two in the window are counted; (2) the tables
 * are compared with the list endpoints and repaired (see `reconcileTables`). The report is kept
 * in the source's state (`last_reconcile`).
 */
export async function reconcileSource(
  parts: ReconcileParts,
  options: { windowMs?: number; signal?: AbortSignal; onProgress?: (objects: number) => void },
): Promise<ReconcileReport> {
  const { store, clock, log } = parts;
  const startedAtMs = clock();
  const appliedFromWebhooks = await parts.applyOverdue();
  // By default the window is the time since the last scheduled run.
  const windowMs = options.windowMs ?? DEFAULT_RECONCILE_EVERY_S * 1000;
  const windowFrom = new Date(startedAtMs - windowMs).toISOString();
  // Events younger than the grace period may still be on their way from the other side.
  const windowTo = new Date(startedAtMs - parts.graceMs).toISOString();
  const gaps = await store.sourceGaps(windowFrom, windowTo);
  const tables = await reconcileTables({
    store,
    snapshot: parts.snapshot,
    provider: parts.provider,
    startedAtMs,
    signal: options.signal,
    onProgress: options.onProgress,
    onSkipped: (name, error) =>
      log.warn('reconcile: an object could not be read; nothing is deleted this run', {
        object: name,
        error,
      }),
  });
  const report: ReconcileReport = {
    startedAt: new Date(startedAtMs).toISOString(),
    durationMs: clock() - startedAtMs,
    events: {
      window: { from: windowFrom, to: windowTo },
      appliedFromWebhooks,
      webhookOnly: gaps.webhookOnly,
      // Meaningful only where webhooks are in use: events no webhook delivered.
      apiOnly: gaps.viaWebhook > 0 ? gaps.apiOnly : 0,
    },
    ...tables,
  };
  await store.setState('last_reconcile', JSON.stringify(report));
  log.info('reconciliation done', {
    objects: tables.objects,
    ...tables.totals,
    appliedFromWebhooks,
  });
  return report;
}

/**
 * When the last reconciliation began (ms), else when the first import did, else null: for
 * runtimes that keep their own schedule (the Worker).
 */
export async function lastReconcileAtMs(store: SyncStore): Promise<number | null> {
  for (const [key, read] of [
    ['last_reconcile', (v: string) => /"startedAt":"([^"]+)"/.exec(v)?.[1] ?? ''],
    ['imported_at', (v: string) => v],
  ] as const) {
    const value = await store.getState(key);
    const at = value ? Date.parse(read(value)) : NaN;
    if (Number.isFinite(at)) return at;
  }
  return null;
}
