import type { AnyWorkOSEvent, WorkOSEventOf, WorkOSEventType } from './providers/workos/events.js';
import type {
  EventSource,
  Logger,
  SnapshotSource,
  Spans,
  WebhookOutcome,
  WebhookReceiver,
} from './engine/ports.js';
import { silentLogger } from './engine/ports.js';
import { commitBatch, ConcurrentRunError, type Cursor, type TableRepairs } from './engine/store.js';
import { SyncEngine, type DrainResult, type Progress } from './engine/sync.js';
import { ConfigError, DEFAULT_WEBHOOK_GRACE_MS, retentionSettings } from './config.js';
import type { EffectHandler } from './engine/deliveries.js';
import type { HandlerOptions } from './delivery/destination.js';
import type { Dispatcher } from './delivery/dispatcher.js';
import type { DestinationStatus } from './delivery/destination-status.js';
import type { DoctorParts } from './doctor.js';
import type { Provider } from './engine/provider.js';
import { connectSource } from './providers.js';
import type { Backlog, DeadLetter, InboxStatus, SyncStore } from './engine/store.js';
import type { DeadLetterResolution } from './engine/dead-letter-resolution.js';
import { Follower } from './follow.js';
import { SyncDeliveries } from './sync-deliveries.js';
import { deliverySpans, traceCommits, tracedEvents } from './sync-tracing.js';
import { SyncWebhooks } from './sync-webhooks.js';
import { lastReconcileAtMs, reconcileSource, type ReconcileReport } from './sync-reconcile.js';
import { retentionOf, statusReport, type Retention, type StatusReport } from './status-report.js';
import type { CreateSyncOptions, SyncRuntime } from './sync-options.js';

export type { CreateSyncOptions, ReconcileReport, SyncRuntime };

/**
 * authsync as a library: `createSync({...}).on('user.created', handler)`, then `runOnce()`
 * (drain to the head) or `run(signal)` (keep following). Handlers run after the rows commit,
 * at least once per event id; never during replay or the first import.
 */
export class Sync {
  /** @internal The runtimes use the verbs below; tests reach in to check the database. */
  readonly store: SyncStore;
  /** @internal */
  readonly engine: SyncEngine;
  private readonly log: Logger;
  private readonly graceMs: number;
  private readonly clock: () => number;
  private readonly snapshot: SnapshotSource;
  private readonly events: EventSource;
  private readonly webhookReceiver: WebhookReceiver | null;
  private migrated = false;
  private readonly distribute: boolean;
  private readonly workConcurrency: number;
  /** One inbox sweep at a time (the schedule and reconciliation both start them). */
  private readonly follower: Follower;
  private errorRecorded = false;
  private successRecordedAtMs = 0;
  /** When a page of events was last read successfully (ms), for readiness. */
  lastReadOkAtMs: number | null = null;
  private readonly webhooks: SyncWebhooks | null;
  private readonly retentionSettings: { days: number; warnAfterSeconds: number };
  private retentionWarnedAtMs = -Infinity;
  private readonly importsState: boolean;
  private readonly deliveries: SyncDeliveries;
  private readonly apiOrigin: string | null;
  private readonly spans: Spans | null;
  /** How long reads waited for the client-side rate budget (ms): in all, and right now. */
  readonly rateLimitWaits: () => { totalMs: number; currentMs: number };
  /** Sends deliveries to the destinations (none when none is configured). */
  get dispatcher(): Dispatcher | null {
    return this.deliveries.dispatcher;
  }

  /** Runs on any runtime: the store comes opened (`createSync` opens one from `DATABASE_URL` on Node). */
  constructor(options: CreateSyncOptions, runtime: SyncRuntime) {
    const env = options.env ?? {};
    this.log = options.logger ?? silentLogger;
    this.store = runtime.store;
    this.distribute = options.distribute ?? false;
    this.workConcurrency = options.workConcurrency ?? 16;
    this.graceMs = options.webhookGraceMs ?? DEFAULT_WEBHOOK_GRACE_MS;
    this.clock = options.clock ?? Date.now;
    const sources = connectSource(this.store.source.provider, options, {
      env,
      logger: this.log,
      store: this.store,
      clock: this.clock,
      httpGet: runtime.httpGet,
      spool: runtime.spool,
      hmac: runtime.hmac,
    });
    this.snapshot = sources.snapshot;
    this.spans = options.spans ?? null;
    if (this.spans) traceCommits(this.store, this.spans);
    const read = this.spans
      ? tracedEvents(sources.events, this.spans, this.store.source.id)
      : sources.events;
    const events: EventSource = {
      readPage: async (cursor, limit, signal) => {
        const page = await read.readPage(cursor, limit, signal);
        this.lastReadOkAtMs = Date.now();
        return page;
      },
      cursorAfter: (raw) => sources.events.cursorAfter(raw),
      timeRanges: sources.events.timeRanges,
      maxParallelism: sources.events.maxParallelism,
      ...(sources.events.positionMs && {
        positionMs: sources.events.positionMs.bind(sources.events),
      }),
    };
    this.events = events;
    this.webhookReceiver = sources.webhook;
    this.webhooks =
      sources.webhook &&
      new SyncWebhooks(sources.webhook, {
        sourceId: this.store.source.id,
        store: this.store,
        spans: this.spans,
        log: this.log,
        clock: this.clock,
        graceMs: this.graceMs,
        applyHeld: async (before) => {
          await this.migrate();
          return this.engine.applyHeld(before);
        },
        isReader: () => this.isReader,
        wake: () => this.wake(),
      });
    this.provider = sources.provider;
    this.retentionSettings = retentionSettings(env, sources.provider.retentionDays);
    this.importsState = options.importOnFirstRun ?? true;
    this.webhookSetting = sources.webhookSetting;
    this.apiOrigin = sources.origin ?? null;
    this.rateLimitWaits = sources.rateLimitWaits ?? (() => ({ totalMs: 0, currentMs: 0 }));
    const told = options.onDeliveryAttempt;
    const traced = this.spans && deliverySpans(this.spans);
    const onDeliveryAttempt: typeof told = traced
      ? (...attempt) => {
          told?.(...attempt);
          traced(...attempt);
        }
      : told;
    this.deliveries = new SyncDeliveries(
      { ...options, onDeliveryAttempt },
      {
        env,
        store: this.store,
        log: this.log,
        clock: this.clock,
        providerFilter: sources.forwardFilter,
        post: runtime.httpPost,
        signer: runtime.signer,
      },
    );
    this.engine = new SyncEngine({
      routes: this.deliveries.routes,
      onDeliveries: () => this.dispatcher?.wake(),
      store: this.store,
      events,
      snapshot: sources.snapshot,
      provider: this.provider,
      logger: this.log,
      clock: this.clock,
      settleMs: options.settleMs,
      importOnFirstRun: options.importOnFirstRun,
      readParallelism: options.readParallelism,
      stageEvents: options.stageEvents,
      onProgress: (p) => {
        // A long first import reads list endpoints, not events: it is progress all the same.
        if (p.phase === 'import') this.lastReadOkAtMs = Date.now();
        this.recordProgress(p);
        options.onProgress?.(p);
      },
      onApplied: options.onApplied,
      checkpoint: options.checkpoint,
    });
    this.follower = new Follower({
      store: this.store,
      log: this.log,
      pollIntervalMs: options.pollIntervalMs ?? 2000,
      graceMs: this.graceMs,
      drain: (signal) => this.drainStream(signal),
      sweep: () => this.applyOverdueWebhookEvents(),
    });
  }

  /** The setting that turns this source's webhooks on (for messages). */
  readonly webhookSetting: string;
  /** The identity provider this source reads. */
  readonly provider: Provider;

  /** Whether webhook secrets are configured (without them every delivery is refused). */
  get acceptsWebhooks(): boolean {
    return this.webhookReceiver !== null;
  }

  /**
   * A webhook delivery, raw: verified, stored durably in the inbox, then answered. A new event
   * makes the reader poll at once; the reader, not the webhook, decides order and moves the cursor.
   */
  async receiveWebhook(
    raw: Uint8Array,
    header: (name: string) => string | undefined,
  ): Promise<WebhookOutcome> {
    if (!this.webhooks) throw new ConfigError(`${this.webhookSetting} is not set.`);
    await this.migrate();
    return this.webhooks.receive(raw, header);
  }

  /**
   * Applies webhook-delivered events that the Events API has not shown within the grace period.
   * It runs beside the API reader, not after it: during an outage the reader may be waiting out
   * retries for minutes. Should the API show an event at the very moment it is swept, both apply
   * it: the rows are the same (guarded upserts are idempotent) and its deliveries are keyed by
   * event id and destination, so they are made once.
   */
  async applyOverdueWebhookEvents(): Promise<number> {
    return (await this.webhooks?.applyOverdue()) ?? 0;
  }

  /**
   * Reconciliation: overdue webhook events applied, the window's gaps counted, the tables
   * compared with the list endpoints and repaired (see `reconcileSource`).
   */
  async reconcile(
    options: {
      windowMs?: number;
      signal?: AbortSignal;
      onProgress?: (objects: number) => void;
    } = {},
  ): Promise<ReconcileReport> {
    await this.migrate();
    return reconcileSource(
      {
        store: this.store,
        snapshot: this.snapshot,
        provider: this.provider,
        log: this.log,
        clock: this.clock,
        graceMs: this.graceMs,
        applyOverdue: () => this.applyOverdueWebhookEvents(),
      },
      options,
    );
  }

  /**
   * When the last reconciliation began (ms), else when the first import did, else null: for
   * runtimes that keep their own schedule (the Worker).
   */
  lastReconcileAtMs(): Promise<number | null> {
    return lastReconcileAtMs(this.store);
  }

  /**
   * A handler for one event type (its envelope typed from WorkOS's documented payloads:
   * `on('user.created', (e) => e.data.email)` has a string), a prefix (`user.*`), or `*` (every
   * event). Each handler is a destination of its own, named `on_user_created` (or
   * `options.name`): called at least once per applied event, in order per organization,
   * retried on its schedule, failed and kept when that is used up, never held up by another
   * handler (see docs/delivery.md). Never for replays or the first import.
   */
  on<K extends WorkOSEventType>(
    type: K,
    handler: EffectHandler<WorkOSEventOf<K>>,
    options?: HandlerOptions,
  ): this;
  on(type: string, handler: EffectHandler<AnyWorkOSEvent>, options?: HandlerOptions): this;
  on(type: string, handler: EffectHandler, options?: HandlerOptions): this {
    this.deliveries.addHandler(type, handler, options);
    return this;
  }

  async migrate(): Promise<void> {
    if (this.migrated) return;
    const started = Date.now();
    const upgrades: number[] = [];
    await this.store.migrate(({ version, name }) => {
      upgrades.push(version);
      this.log.info(
        'upgrading the database: a migration is running (once; on a large database it may take a while)',
        { migration: version, name },
      );
    });
    if (upgrades.length > 0)
      this.log.info('database upgraded', {
        migrations: upgrades,
        seconds: Math.round((Date.now() - started) / 100) / 10,
      });
    this.migrated = true;
    await this.deliveries.adoptOutbox();
  }

  /**
   * Drains the stream to its head (importing first on a fresh database), then makes every
   * delivery due (retries due later wait for their time or the next run).
   */
  async runOnce(signal?: AbortSignal): Promise<DrainResult> {
    const result = await this.drainStream(signal);
    if (this.dispatcher && !signal?.aborted) await this.dispatcher.drain(signal);
    return result;
  }

  private async drainStream(signal?: AbortSignal): Promise<DrainResult> {
    await this.migrate();
    await this.warnIfAtRisk();
    try {
      const result = await this.engine.drain(signal);
      // Deliveries stored by any process (another may have rung this one): applied by the reader.
      await this.webhooks?.afterRead();
      // For `status`; followers poll often, so written at most every few seconds.
      const now = this.clock();
      if (this.errorRecorded || now - this.successRecordedAtMs >= STATUS_WRITE_EVERY_MS) {
        await this.store.setState('last_error', null);
        await this.store.setState('last_success_at', new Date(now).toISOString());
        this.errorRecorded = false;
        this.successRecordedAtMs = now;
      }
      return result;
    } catch (error) {
      // Overlapping runs (D1): the other run is ahead, nothing went wrong.
      if (!signal?.aborted && !(error instanceof ConcurrentRunError)) {
        await this.store.setState(
          'last_error',
          `${new Date().toISOString()} ${(error as Error).message}`,
        );
        this.errorRecorded = true;
      }
      throw error;
    }
  }

  /**
   * Keeps following the stream until `signal` aborts (see `Follower`). A refused API key is
   * logged and retried with backoff; `problems` names it meanwhile.
   */
  async run(signal: AbortSignal): Promise<void> {
    await this.migrate();
    // Deliveries go beside the reader: a slow destination never holds the sync.
    const delivering = this.deliveries.run(signal);
    try {
      await this.follow(signal);
    } finally {
      await delivering;
    }
  }

  private async follow(signal: AbortSignal): Promise<void> {
    if (!this.distribute) return this.follower.run(signal);
    const queue = this.store.workQueue?.();
    if (!queue) throw new ConfigError('Distributed work (--distribute) needs PostgreSQL.');
    // Its work queue is the schema's: a job of one source would be applied as another's.
    const others = (await this.store.sources()).filter((s) => s.id !== this.store.source.id);
    if (others.length > 0)
      throw new ConfigError(
        `Distributed work (--distribute) serves one source per schema, and this one also holds ${others.map((s) => s.id).join(', ')}: give each source a schema of its own (DATABASE_SCHEMA), or run without --distribute.`,
      );
    this.engine.dispatching = true;
    try {
      await Promise.all([
        this.follower.run(signal),
        queue.work(
          (jobs) => this.engine.applyQueued(jobs),
          this.workConcurrency,
          signal,
          (error) =>
            this.log.error('applying a job failed; it is retried', { error: error.message }),
        ),
      ]);
    } finally {
      this.engine.dispatching = false;
    }
  }

  /**
   * What keeps this sync from working now, for readiness: a refused API key, reading that failed
   * several times in a row, webhook deliveries that cannot be stored. Empty when all is well.
   */
  get problems(): string[] {
    return [this.follower.problem, this.webhooks?.problem ?? null].filter(
      (p): p is string => p !== null,
    );
  }

  /** Where several processes share the database: whether this one reads the stream now. */
  get isReader(): boolean {
    return this.follower.isReader;
  }

  /** What `authsync status` shows: this source's cursor and state, the database's rows and inbox. */
  async status(): Promise<StatusReport> {
    const report = await statusReport(
      this.store,
      this.retentionSettings,
      this.clock(),
      this.provider.tables.tables.map((t) => t.name),
    );
    return { ...report, destinations: await this.destinations() };
  }

  /**
   * The way back when the cursor fell out of the provider's retention (events lost for good): a
   * fresh import of the source's state, then following from before it began, then a
   * reconciliation that removes rows whose objects are gone. The tables stay live throughout:
   * the import upserts over them (guarded, as always).
   */
  async reimport(signal?: AbortSignal): Promise<DrainResult & { reconciled: TableRepairs }> {
    if (!this.importsState)
      throw new ConfigError('reimport imports state: it needs importOnFirstRun (the default).');
    await this.migrate();
    this.log.info('reimport: the cursor is reset; importing current state, then following');
    await this.store.commit(commitBatch({ cursor: { after: null, rangeStart: null } }));
    await this.store.setState('imported_at', null);
    const drained = await this.runOnce(signal);
    const report = await this.reconcile({ signal });
    return { ...drained, reconciled: report.totals };
  }

  /** Each configured destination's backlog and health (status, metrics, the status page). */
  destinations(): Promise<DestinationStatus[]> {
    return this.deliveries.status();
  }

  /** The retention guard's figures (cheap: two state reads), for readiness and metrics. */
  async retention(): Promise<Retention> {
    const [last_success_at, imported_at] = await Promise.all([
      this.store.getState('last_success_at'),
      this.store.getState('imported_at'),
    ]);
    return retentionOf(
      { last_success_at: last_success_at ?? undefined, imported_at: imported_at ?? undefined },
      this.retentionSettings,
      this.clock(),
    );
  }

  /** Said in the log at most hourly while the cursor is at risk of falling out of retention. */
  private async warnIfAtRisk(): Promise<void> {
    const now = this.clock();
    if (now - this.retentionWarnedAtMs < 3_600_000) return;
    const r = await this.retention();
    if (!r.atRisk) return;
    this.retentionWarnedAtMs = now;
    this.log.warn(retentionProblem(r), { source: this.sourceId });
  }

  /** What `authsync doctor` checks this source with: its reads, its settings, its endpoints. */
  doctorParts(): DoctorParts {
    const receiver = this.webhookReceiver;
    return {
      readEvents: async (limit) => this.events.readPage(await this.store.readCursor(), limit),
      snapshot: this.snapshot,
      origin: this.apiOrigin,
      webhookSetting: this.webhookSetting,
      webhookTestHeaders: receiver && ((raw, nowMs) => receiver.testHeaders(raw, nowMs)),
      endpoints: this.deliveries.endpoints(),
    };
  }

  private progressWrittenAtMs = 0;

  /** For `status` in another process: written every few seconds while long work goes on. */
  private recordProgress(p: Progress): void {
    const now = this.clock();
    if (now - this.progressWrittenAtMs < STATUS_WRITE_EVERY_MS) return;
    this.progressWrittenAtMs = now;
    const seconds = Math.max(0.001, (now - p.startedAtMs) / 1000);
    const written = {
      phase: p.phase,
      count: p.count,
      rate: Math.round(p.count / seconds),
      startedAt: new Date(p.startedAtMs).toISOString(),
      ...(p.lastEventAt ? { lastEventAt: p.lastEventAt } : {}),
      ...(p.totals ? { totals: p.totals } : {}),
      rateLimitWaitSeconds: Math.round(this.rateLimitWaits().totalMs / 1000),
      at: new Date(now).toISOString(),
    };
    // Best effort: a failed write costs the status a line, never the work.
    this.store.setState('progress', JSON.stringify(written)).catch(() => {});
  }

  /** Events parked as dead letters (each blocks its lane), oldest first. */
  deadLetters(): Promise<DeadLetter[]> {
    return this.store.deadLetters();
  }

  /** Applies a dead letter again, then the events its lane held back (see `authsync dead-letters`). */
  retryDeadLetter(eventId: string): Promise<DeadLetterResolution> {
    return this.engine.retryDeadLetter(eventId);
  }

  /** Marks a dead letter skipped, then applies the events its lane held back. */
  skipDeadLetter(eventId: string): Promise<DeadLetterResolution> {
    return this.engine.skipDeadLetter(eventId);
  }

  /** What waits in the inbox; it also proves the database answers (readiness). */
  backlog(): Promise<Backlog> {
    return this.store.backlog();
  }

  /** The newest event time applied (for lag). */
  lastEventAt(): Promise<string | null> {
    return this.store.lastEventAt();
  }

  /** Where an event stands in the inbox (undefined: never received). */
  async eventStatus(eventId: string): Promise<InboxStatus | undefined> {
    return (await this.store.inboxEvent(eventId))?.status;
  }

  /** This source's id: its cursor, state, reader lease and webhook route. */
  get sourceId(): string {
    return this.store.source.id;
  }

  /** Polls now instead of at the next interval (a webhook rang). */
  wake(): void {
    this.follower.wake();
  }

  /** Re-reads events from an ISO time or an event id and re-applies them; nothing is delivered. */
  async replay(since: string, signal?: AbortSignal): Promise<{ reapplied: number }> {
    await this.migrate();
    let cursor: Cursor;
    // Ids are opaque (any shape, digits included): an id the inbox knows is an id; otherwise
    // only an ISO-8601 date or time is taken as a time.
    const stored = await this.store.inboxEvent(since);
    const ms = /^\d{4}-\d{2}-\d{2}/.test(since) ? Date.parse(since) : Number.NaN;
    if (stored) {
      // From the event itself when we know its time; otherwise from just after it.
      const after = stored.createdAt ? null : this.events.cursorAfter(JSON.parse(stored.json));
      if (!stored.createdAt && after === null)
        throw new Error(
          `Event ${JSON.stringify(since)} has neither a time nor a position to replay from; give --since a time.`,
        );
      cursor = { after, rangeStart: after === null ? stored.createdAt : null };
    } else if (!Number.isNaN(ms)) {
      cursor = { after: null, rangeStart: new Date(ms).toISOString() };
    } else {
      throw new Error(
        `--since must be an ISO-8601 time or the id of an event in the inbox (got ${JSON.stringify(since)}).`,
      );
    }
    return this.engine.replay(cursor, signal);
  }

  async close(): Promise<void> {
    await this.webhooks?.settled();
    await this.store.close();
    await this.spans?.flush();
  }
}

const STATUS_WRITE_EVERY_MS = 5000;

/** What is wrong when the cursor is at risk, and the way out. */
export function retentionProblem(r: Retention): string {
  const hours = ((r.cursorAgeSeconds ?? 0) / 3600).toFixed(1);
  return `the cursor last reached the head ${hours} h ago and the provider keeps events ${r.days} days: catch up now, or run \`authsync reimport\` once events may be lost`;
}
