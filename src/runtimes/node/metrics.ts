import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ReconcileReport, Sync } from '../../create-sync.js';
import type { AppliedEvent } from '../../engine/sync.js';
import { ActivityHistory } from './history.js';

/**
 * The service's Prometheus metrics, on a registry of its own (an application embedding
 * authsync keeps its default registry to itself). Counters are fed as things happen; gauges
 * read the database when scraped.
 */
export class ServeMetrics {
  readonly registry = new Registry();
  private syncs: readonly Sync[] = [];

  readonly applied = new Counter({
    name: 'authsync_events_applied_total',
    help: 'Events applied to the tables, by source, event type and by where they were applied from (api, or webhook after the grace period).',
    labelNames: ['source_id', 'type', 'source'] as const,
    registers: [this.registry],
  });
  readonly eventToRow = new Histogram({
    name: 'authsync_event_to_row_seconds',
    help: "Time from an event's created_at to the commit of its rows.",
    labelNames: ['source_id'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly webhookDeliveries = new Counter({
    name: 'authsync_webhook_deliveries_total',
    help: 'Verified webhook deliveries, stored (new) or duplicate.',
    labelNames: ['source_id', 'result'] as const,
    registers: [this.registry],
  });
  readonly webhookRejections = new Counter({
    name: 'authsync_webhook_rejections_total',
    help: 'Webhook requests refused, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'authsync_http_request_duration_seconds',
    help: 'HTTP requests served, by route, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1, 5],
    registers: [this.registry],
  });
  readonly reconcileRepairs = new Counter({
    name: 'authsync_reconcile_repairs_total',
    help: 'Rows repaired by reconciliation, by table and kind (missing, stale, deleted).',
    labelNames: ['source_id', 'table', 'kind'] as const,
    registers: [this.registry],
  });
  readonly reconcileEvents = new Counter({
    name: 'authsync_reconcile_events_total',
    help: 'Events seen by only one source in a reconciliation window (webhook_only, api_only), and events applied from webhooks by reconciliation.',
    labelNames: ['source_id', 'kind'] as const,
    registers: [this.registry],
  });
  readonly reconcileLastRun = new Gauge({
    name: 'authsync_reconcile_last_success_timestamp_seconds',
    help: 'When the last reconciliation finished.',
    labelNames: ['source_id'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const syncs = () => this.syncs;
    new Gauge({
      name: 'authsync_lag_seconds',
      help: 'Now minus the created_at of the newest applied event.',
      labelNames: ['source_id'] as const,
      registers: [this.registry],
      async collect() {
        for (const sync of syncs()) {
          const last = await sync.lastEventAt();
          if (last) this.set({ source_id: sync.sourceId }, (Date.now() - Date.parse(last)) / 1000);
        }
      },
    });
    new Gauge({
      name: 'authsync_last_successful_poll_timestamp_seconds',
      help: 'When a page of events was last read successfully.',
      labelNames: ['source_id'] as const,
      registers: [this.registry],
      collect() {
        for (const sync of syncs())
          if (sync.lastReadOkAtMs)
            this.set({ source_id: sync.sourceId }, sync.lastReadOkAtMs / 1000);
      },
    });
    new Gauge({
      name: 'authsync_cursor_age_seconds',
      help: "Since the cursor last reached the head of the stream: events older than the provider's retention are lost for good.",
      labelNames: ['source_id'] as const,
      registers: [this.registry],
      async collect() {
        for (const sync of syncs()) {
          const age = (await sync.retention()).cursorAgeSeconds;
          if (age !== null) this.set({ source_id: sync.sourceId }, age);
        }
      },
    });
    new Gauge({
      name: 'authsync_dead_letters',
      help: 'Events a projection could not apply (each blocks its lane).',
      labelNames: ['source_id'] as const,
      registers: [this.registry],
      async collect() {
        for (const sync of syncs())
          this.set({ source_id: sync.sourceId }, (await sync.backlog()).dead);
      },
    });
    new Gauge({
      name: 'authsync_inbox_backlog',
      help: 'Events waiting in the inbox: pending (behind a dead letter in their lane) or held (delivered by webhook, not yet shown by the API).',
      labelNames: ['source_id', 'state'] as const,
      registers: [this.registry],
      async collect() {
        for (const sync of syncs()) {
          const backlog = await sync.backlog();
          this.set({ source_id: sync.sourceId, state: 'pending' }, backlog.pending);
          this.set({ source_id: sync.sourceId, state: 'held' }, backlog.held);
        }
      },
    });
    new Gauge({
      name: 'authsync_deliveries_open',
      help: "Deliveries to the application's destinations not made yet: pending (due, in flight or retrying), retrying (of the pending, those that failed at least once), failed (for good; each holds its lane until retried or skipped). The counts status and the status page show.",
      labelNames: ['destination', 'state'] as const,
      registers: [this.registry],
      async collect() {
        // Destinations are the database's, not a source's: the first source's view serves.
        const sync = syncs()[0];
        if (!sync) return;
        for (const d of await sync.destinations()) {
          this.set({ destination: d.name, state: 'pending' }, d.pending);
          this.set({ destination: d.name, state: 'retrying' }, d.retrying);
          this.set({ destination: d.name, state: 'failed' }, d.failed);
        }
      },
    });
    new Gauge({
      name: 'authsync_delivery_oldest_pending_seconds',
      help: 'Age of the oldest delivery not made yet, per destination (0 when none waits).',
      labelNames: ['destination'] as const,
      registers: [this.registry],
      async collect() {
        const sync = syncs()[0];
        if (!sync) return;
        for (const d of await sync.destinations())
          this.set({ destination: d.name }, d.oldestPendingSeconds ?? 0);
      },
    });
    new Gauge({
      name: 'authsync_destination_disabled',
      help: 'Whether a destination is disabled (it failed for days; authsync deliveries enable resumes it).',
      labelNames: ['destination'] as const,
      registers: [this.registry],
      async collect() {
        const sync = syncs()[0];
        if (!sync) return;
        for (const d of await sync.destinations())
          this.set({ destination: d.name }, d.disabled ? 1 : 0);
      },
    });
  }

  readonly deliveryAttempts = new Counter({
    name: 'authsync_delivery_attempts_total',
    help: "Attempts to deliver to the application's destinations, by result (delivered, retrying, failed).",
    labelNames: ['destination', 'result'] as const,
    registers: [this.registry],
  });
  readonly deliveryDuration = new Histogram({
    name: 'authsync_delivery_duration_seconds',
    help: 'How long a destination took to answer a delivery (or to fail it).',
    labelNames: ['destination'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
    registers: [this.registry],
  });

  /** For `createSync({ onDeliveryAttempt })`. */
  readonly onDeliveryAttempt = (
    destination: string,
    outcome: { durationMs: number },
    verdict: { status: string },
  ): void => {
    const result = verdict.status === 'pending' ? 'retrying' : verdict.status;
    this.deliveryAttempts.inc({ destination, result });
    this.deliveryDuration.observe({ destination }, outcome.durationMs / 1000);
  };

  /** The sources this process serves, as an info series (`authsync_source_info{source_id} 1`). */
  readonly sourceInfo = new Gauge({
    name: 'authsync_source_info',
    help: 'The sources this process syncs (always 1; the labels carry their ids).',
    labelNames: ['source_id'] as const,
    registers: [this.registry],
  });

  /** Reads gauges from these sources' database. */
  observe(syncs: readonly Sync[]): void {
    this.syncs = syncs;
    for (const sync of syncs) this.sourceInfo.set({ source_id: sync.sourceId }, 1);
  }

  /** For `createSync({ onApplied })` of the source `sourceId`. */
  /** The last hours, a minute at a time, for the status page's charts. */
  readonly history = new ActivityHistory();

  onAppliedFor(sourceId: string): (events: readonly AppliedEvent[]) => void {
    return (events) => {
      const now = Date.now();
      this.history.record(
        sourceId,
        events.map((e) => e.createdAt),
      );
      for (const e of events) {
        this.applied.inc({ source_id: sourceId, type: e.type, source: e.source });
        this.eventToRow.observe({ source_id: sourceId }, (now - Date.parse(e.createdAt)) / 1000);
      }
    };
  }

  recordReconcile(sourceId: string, report: ReconcileReport): void {
    const source_id = sourceId;
    for (const [table, r] of Object.entries(report.tables)) {
      for (const kind of ['missing', 'stale', 'deleted'] as const)
        if (r[kind] > 0) this.reconcileRepairs.inc({ source_id, table, kind }, r[kind]);
    }
    this.reconcileEvents.inc({ source_id, kind: 'webhook_only' }, report.events.webhookOnly);
    this.reconcileEvents.inc({ source_id, kind: 'api_only' }, report.events.apiOnly);
    this.reconcileEvents.inc(
      { source_id, kind: 'applied_from_webhook' },
      report.events.appliedFromWebhooks,
    );
    this.reconcileLastRun.set({ source_id }, Date.now() / 1000);
  }
}
