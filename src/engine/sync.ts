import { fnv1a, type EngineEvent } from './event.js';
import { PAGES_PER_SLICE, RangesIgnoredError, readSlicesInOrder } from './catch-up.js';
import { resolveDeadLetter, type DeadLetterResolution } from './dead-letter-resolution.js';
import { importState } from './first-import.js';
import { projectSafely, toInbox, unreadableInbox } from './inbox-event.js';
import { replay } from './replay.js';
import { runOutbox, type EffectHandler } from './outbox.js';
import {
  silentLogger,
  type Checkpoint,
  type EventSource,
  type Logger,
  type SnapshotSource,
} from './ports.js';
import type { Provider } from './provider.js';
import {
  commitBatch,
  type CommitBatch,
  type Cursor,
  type InboxEvent,
  type SyncStore,
} from './store.js';

export interface SyncEngineOptions {
  store: SyncStore;
  events: EventSource;
  snapshot?: SnapshotSource;
  /** The provider whose events these are: envelope, lanes, projections. */
  provider: Provider;
  logger?: Logger;
  clock?: () => number;
  /** Events younger than this are applied but not yet trusted as final: the cursor stays before them (default 5,000 ms). */
  settleMs?: number;
  /** First import: follow events from this long before the import began (default 5 min). */
  importOverlapMs?: number;
  /** Import current state from the list endpoints on a fresh database (default true). */
  importOnFirstRun?: boolean;
  pageLimit?: number;
  /**
   * Requests in flight when catching up a long backlog in time slices (default 12; 1 reads with
   * one cursor). 12, not 8: at 50 ms per request, 8 left the rate budget unused while commits
   * held the event loop (8,970-9,120 vs 9,200-9,240 events/s; peak RSS +7 MB).
   */
  readParallelism?: number;
  /**
   * Events per commit while catching up (default 1,000: fewer commits, same atomicity). D1
   * commits page by page (100), each commit being one batch.
   */
  stageEvents?: number;
  /** A backlog spanning more than this is read in parallel slices (default 15 min). */
  catchUpMinSpanMs?: number;
  checkpoint?: (name: Checkpoint) => void;
  onProgress?: (p: Progress) => void;
  /** Told of every applied event once its transaction commits (metrics, latency). */
  onApplied?: (events: readonly AppliedEvent[]) => void;
}

export interface AppliedEvent {
  id: string;
  /** Its lane: the organization, else the object it is about (`user:<id>`, ...), else empty (see `laneOf`). */
  lane: string;
  type: string;
  /** Who it was applied from: `api`, or `webhook` when the API had not shown it within the grace period. */
  source: string;
  createdAt: string;
}

export interface Progress {
  phase: 'import' | 'events' | 'replay' | 'reconcile';
  count: number;
  startedAtMs: number;
}

export interface DrainResult {
  imported: number;
  fetched: number;
  applied: number;
  duplicates: number;
  deadLettered: number;
  waiting: number;
  /** Distributed work: events sent to the work queue for whichever process works their lane. */
  queued?: number;
}

/**
 * The pipeline: read events after the cursor, keep new ones in the inbox (unique by id), apply
 * each in its organization's lane unless that lane is blocked by a dead letter, and commit the
 * rows, the inbox, the dead letters, the effects to run and the cursor in one transaction.
 * The cursor only passes events that are stored; it never passes an unsettled one.
 */
export class SyncEngine {
  readonly handlers = new Map<string, EffectHandler[]>();
  private readonly store: SyncStore;
  private readonly log: Logger;
  private readonly clock: () => number;
  private readonly settleMs: number;
  private readonly pageLimit: number;
  private readonly stageEvents: number;
  private blocked: Set<string> | null = null;
  /**
   * Distributed work: the reader stores events as `queued` and sends a job per lane instead of
   * applying them; `applyQueued` applies a job's events wherever it is fetched.
   */
  dispatching = false;
  private inFlight: { done: Promise<void>; ids: Set<string> } | null = null;
  private effectsRunning: Promise<number> | null = null;
  private effectsAgain = false;

  constructor(private readonly options: SyncEngineOptions) {
    this.store = options.store;
    this.log = options.logger ?? silentLogger;
    this.clock = options.clock ?? Date.now;
    this.settleMs = options.settleMs ?? 5000;
    this.stageEvents = options.stageEvents ?? 1000;
    this.pageLimit = options.pageLimit ?? 100;
  }

  on(type: string, handler: EffectHandler): void {
    const list = this.handlers.get(type) ?? [];
    list.push(handler);
    this.handlers.set(type, list);
  }

  private checkpoint(name: Checkpoint): void {
    this.options.checkpoint?.(name);
  }

  /** Imports state if the database is fresh, then reads events up to the head of the stream. */
  async drain(signal?: AbortSignal): Promise<DrainResult> {
    try {
      return await this.drainToHead(signal);
    } catch (error) {
      // What was staged but not committed is read again next time; forget what it implied.
      await this.inFlight?.done.catch(() => {});
      this.inFlight = null;
      this.blocked = null;
      throw error;
    }
  }

  private async drainToHead(signal?: AbortSignal): Promise<DrainResult> {
    const result: DrainResult = {
      imported: 0,
      fetched: 0,
      applied: 0,
      duplicates: 0,
      deadLettered: 0,
      waiting: 0,
    };
    let cursor = await this.store.readCursor();
    if (
      cursor.after === null &&
      cursor.rangeStart === null &&
      (await this.store.getState('imported_at')) === null
    ) {
      if ((this.options.importOnFirstRun ?? true) && this.options.snapshot) {
        result.imported = await this.importState(signal);
      } else {
        await this.store.setState('imported_at', 'skipped');
      }
      cursor = await this.store.readCursor();
    }
    const started = this.clock();
    cursor = await this.catchUp(cursor, result, signal);
    let next = this.options.events.readPage(cursor, this.pageLimit, signal);
    // Where the next page is read from. It runs ahead of `cursor` past unsettled events: those
    // are applied now and read again next time (from `cursor`), so a burst larger than a page
    // inside the settle window is still applied at once.
    let readFrom = cursor;
    let settling = false;
    const pages = new PageBuffer();
    for (;;) {
      const raw = await next;
      this.checkpoint('page-fetched');
      result.fetched += raw.length;
      const lastId = (raw[raw.length - 1] as { id?: unknown } | undefined)?.id;
      const more =
        raw.length >= this.pageLimit && typeof lastId === 'string' && lastId !== readFrom.after;
      if (more) {
        // Reading, not writing, is the slow part: fetch the next page while this one is applied.
        readFrom = { after: lastId, rangeStart: null };
        next = this.options.events.readPage(readFrom, this.pageLimit, signal);
        next.catch(() => {});
      }
      pages.add(raw);
      // Several pages per transaction while catching up: fewer commits, same atomicity.
      if (!more || pages.count >= this.stageEvents) {
        const staged = newStaged();
        // Once an unsettled event is met, the cursor stays before it for the rest of the drain.
        const page = await this.stagePage(
          { mode: 'page', raw: pages.take(), cursor: settling ? null : cursor },
          staged,
        );
        addCounts(result, page);
        cursor = page.cursor ?? cursor;
        if (!page.allSettled) settling = true;
        await this.commitBehind(staged);
        this.options.onProgress?.({ phase: 'events', count: result.fetched, startedAtMs: started });
      }
      if (!more) break;
      signal?.throwIfAborted();
    }
    await this.finishCommit();
    return result;
  }

  /**
   * A long backlog (a first run without import, or after downtime) is read in parallel time
   * slices and applied in stream order; returns the cursor after it. A short one is left to
   * the ordinary cursor loop.
   */
  private async catchUp(
    cursor: Cursor,
    result: DrainResult,
    signal?: AbortSignal,
  ): Promise<Cursor> {
    const parallelism = this.options.readParallelism ?? 12;
    if (parallelism <= 1 || !this.options.events.timeRanges) return cursor;
    // One page tells where the backlog starts and how dense it is. Its first event is the first
    // after the cursor: slices start there, less the settle window, and never at the newest
    // event applied (a webhook's event applied from the inbox, or events read ahead past
    // unsettled ones, can be far ahead of the cursor; starting there skipped what lay between).
    const sample = await this.options.events.readPage(cursor, this.pageLimit, signal);
    if (sample.length < this.pageLimit) return cursor;
    const times = sample.map((raw) => this.options.provider.occurredAtMs(raw));
    // An unreadable first event is parked by the cursor loop, which then reads the rest; the
    // sample's other times only tell the density.
    if (Number.isNaN(times[0]!)) return cursor;
    const readable = times.filter((t) => !Number.isNaN(t));
    const firstMs = times[0]!;
    const lastMs = readable[readable.length - 1]!;
    const fromMs = firstMs - this.settleMs;
    // Stay clear of the unsettled head: the cursor loop reads that part.
    const toMs = this.clock() - this.settleMs - 60_000;
    if (toMs - fromMs < (this.options.catchUpMinSpanMs ?? 15 * 60_000)) return cursor;
    // Slices of a slice's share of the read-ahead window at the sampled density: then every
    // reading slice can run ahead whole (larger ones end up read one at a time), and partial
    // last pages stay few (measured: 6-page slices beat 8-page ones at 50 ms per request).
    // One page is a poor witness of the whole span: a burst (many events in one millisecond)
    // made it ask for 100,000 slices, a request each, for a few hundred events. No slice is
    // shorter than MIN_SLICE_MS; a dense one is split at the tail by the reader anyway.
    const msPerEvent = Math.max(1, lastMs - firstMs) / readable.length;
    const spanMs = toMs - fromMs;
    const slices = Math.max(
      parallelism,
      Math.min(
        Math.ceil(spanMs / MIN_SLICE_MS),
        Math.ceil(spanMs / (msPerEvent * this.pageLimit * PAGES_PER_SLICE)),
      ),
    );
    const fromIso = new Date(fromMs).toISOString();
    this.log.info('catching up a backlog in parallel slices', {
      from: fromIso,
      to: new Date(toMs).toISOString(),
      slices,
      parallelism,
    });
    const started = this.clock();
    const pages = new PageBuffer();
    const stage = async () => {
      const staged = newStaged();
      const page = await this.stagePage({ mode: 'page', raw: pages.take(), cursor }, staged);
      addCounts(result, page);
      cursor = page.cursor ?? cursor;
      await this.commitBehind(staged);
      this.options.onProgress?.({ phase: 'events', count: result.fetched, startedAtMs: started });
    };
    try {
      for await (const raw of readSlicesInOrder(this.options.events, {
        fromMs,
        toMs,
        slices,
        parallelism,
        pageLimit: this.pageLimit,
        timeMs: (raw) => this.options.provider.occurredAtMs(raw),
        signal,
      })) {
        this.checkpoint('page-fetched');
        result.fetched += raw.length;
        pages.add(raw);
        if (pages.count >= this.stageEvents) await stage();
      }
    } catch (error) {
      if (!(error instanceof RangesIgnoredError)) throw error;
      // Every page staged so far was within its slice: keep what committed; the pages not yet
      // staged are dropped (the cursor loop reads them again from the cursor).
      await this.finishCommit();
      this.log.warn('the Events API ignores range_start/range_end; reading with one cursor', {
        cursor: cursor.after,
      });
      return cursor;
    }
    if (pages.count > 0) await stage();
    await this.finishCommit();
    return cursor;
  }

  /**
   * Commits a batch while the next one is staged: the database works while events are parsed
   * and projected (PostgreSQL spends most of a commit waiting on the network). Commits stay in
   * order, one at a time; the events of the one in flight count as known.
   */
  private async commitBehind(staged: Staged): Promise<void> {
    await this.finishCommit();
    const done = this.commitStaged(staged);
    done.catch(() => {});
    this.inFlight = { done, ids: staged.ids };
  }

  /** Waits for the commit in flight, then runs the effects it queued. */
  private async finishCommit(): Promise<void> {
    const inFlight = this.inFlight;
    if (!inFlight) return;
    this.inFlight = null;
    await inFlight.done;
    await this.runEffects();
  }

  private async commitStaged(staged: Staged): Promise<void> {
    this.checkpoint('before-commit');
    await this.store.commit(staged.batch);
    this.checkpoint('after-commit');
    if (staged.applied.length > 0) this.options.onApplied?.(staged.applied);
  }

  /**
   * Applies, from the inbox, events a webhook delivered before `receivedBefore` that the Events
   * API has still not shown (an API outage, or an event it never lists). Their lanes' order and
   * dead letters hold as for API events; the cursor does not move. A later API copy is a
   * duplicate, and the `updated_at` guards make any older copy harmless.
   */
  async applyHeld(receivedBefore: string): Promise<number> {
    let total = 0;
    for (;;) {
      const held = await this.store.heldEvents(receivedBefore, 500);
      if (held.length === 0) return total;
      const staged = newStaged();
      const page = await this.stagePage({ mode: 'held', events: held }, staged);
      await this.commitStaged(staged);
      await this.runEffects();
      total += page.applied + page.deadLettered + page.waiting;
      this.log.warn('applied events the Events API has not shown, from their webhooks', {
        events: held.length,
      });
      if (held.length < 500) return total;
    }
  }

  /**
   * Distributed work: applies the events of some jobs (one lane each, in stream order) that are
   * still queued, and completes the jobs in the same transaction; then runs their effects. A job
   * fetched again after its process died finds its events applied and only completes.
   */
  async applyQueued(jobs: { jobId: string; eventIds: string[] }[]): Promise<void> {
    // Dead letters may have been made by other processes since.
    this.blocked = null;
    const staged = newStaged();
    staged.batch.completes = jobs.map((j) => j.jobId);
    // One job per lane: each job's events in stream order, the jobs independent of each other.
    const events = await this.store.queuedEvents(jobs.flatMap((j) => j.eventIds));
    if (events.length > 0) await this.stagePage({ mode: 'queued', events }, staged);
    await this.commitStaged(staged);
    await this.runEffects();
  }

  /**
   * Adds one page to a batch not yet committed: new events for the inbox, their row changes,
   * dead letters for poison, effects to queue, and the cursor after the page's settled prefix.
   */
  private async stagePage(input: StageInput, staged: Staged): Promise<PageOutcome> {
    const provider = this.options.provider;
    // The webhook sweep applies held events as delivered by webhook; a job's events were read
    // by the API reader. Only an API page moves the cursor.
    const source = input.mode === 'held' ? 'webhook' : 'api';
    const cursor = input.mode === 'page' ? input.cursor : null;
    /** A job's events are in the inbox as `queued`: apply them, do not dedupe or queue them. */
    const fromQueue = input.mode === 'queued';
    const events: EngineEvent[] = [];
    const batch = staged.batch;
    /** Events without a usable envelope, parked below. */
    const unparsed = new Map<string, { inbox: InboxEvent; error: string }>();
    const park = (inbox: InboxEvent, error: string) => {
      events.push({
        id: inbox.id,
        type: inbox.type,
        occurredAt: '',
        lane: inbox.lane,
        data: {},
        raw: {},
      });
      unparsed.set(inbox.id, { inbox, error });
    };
    if (input.mode === 'page') {
      for (const r of input.raw) {
        try {
          events.push(provider.parseEvent(r));
        } catch (error) {
          // Park it under what can be told of it (in the lane its payload names, when it names
          // one), so the cursor passes it visibly and nothing else stops.
          park(unreadableInbox(provider, r), (error as Error).message);
        }
      }
    } else {
      // Events the inbox holds: parked, if they no longer parse, under the inbox's own record.
      for (const stored of input.events) {
        try {
          events.push(provider.parseEvent(JSON.parse(stored.json)));
        } catch (error) {
          park(stored, (error as Error).message);
        }
      }
    }
    const known = fromQueue
      ? new Set<string>()
      : await this.store.knownEvents(events.map((e) => e.id));
    // (Not for a job's events: the reader's batch in flight in this process names them too, as
    // queued, and they must be applied here, not taken for duplicates.)
    if (!fromQueue)
      for (const e of events)
        if (staged.ids.has(e.id) || this.inFlight?.ids.has(e.id)) known.add(e.id);
    const blocked = await this.blockedLanes();
    let applied = 0;
    let duplicates = 0;
    let waiting = 0;
    let queued = 0;
    let lastEventAt: string | undefined;
    let deadLettered = 0;
    for (const event of events) {
      if (known.has(event.id)) {
        duplicates++;
        // Applied before the API showed it (from a webhook, after the grace period): it has now.
        if (source === 'api' && !staged.ids.has(event.id))
          batch.received.push({ event: toInbox(event), status: 'seen', source });
        continue;
      }
      known.add(event.id);
      staged.ids.add(event.id);
      const bad = unparsed.size > 0 ? unparsed.get(event.id) : undefined;
      const inbox = bad?.inbox ?? toInbox(event);
      if (bad && !blocked.has(inbox.lane)) {
        this.park(batch, inbox, bad.error, source, blocked);
        deadLettered++;
        continue;
      }
      if (blocked.has(inbox.lane)) {
        batch.received.push({ event: inbox, status: 'pending', source });
        waiting++;
        continue;
      }
      if (this.dispatching && source === 'api' && !fromQueue) {
        batch.received.push({ event: inbox, status: 'queued', source });
        batch.enqueue ??= [];
        const key = workKey(inbox.lane);
        const group = batch.enqueue.find((g) => g.key === key);
        if (group) group.eventIds.push(event.id);
        else batch.enqueue.push({ key, eventIds: [event.id] });
        queued++;
        continue;
      }
      const outcome = projectSafely(provider, event);
      if ('error' in outcome) {
        this.park(batch, inbox, outcome.error, source, blocked);
        deadLettered++;
        continue;
      }
      batch.received.push({ event: inbox, status: 'applied', source });
      batch.changes.push(...outcome.changes);
      this.queueEffects(batch, inbox);
      if (this.options.onApplied)
        staged.applied.push({
          id: inbox.id,
          lane: inbox.lane,
          type: inbox.type,
          source,
          createdAt: event.occurredAt,
        });
      applied++;
      if (!lastEventAt || event.occurredAt > lastEventAt) lastEventAt = event.occurredAt;
    }
    // Only the API reader moves the cursor; events applied from webhooks leave it where it is.
    const { cursor: next, allSettled } = cursor
      ? this.settledCursor(events, cursor)
      : { cursor: null, allSettled: true };
    if (next) batch.cursor = next;
    if (lastEventAt && (!batch.lastEventAt || lastEventAt > batch.lastEventAt))
      batch.lastEventAt = lastEventAt;
    return { queued, applied, duplicates, deadLettered, waiting, cursor: next, allSettled };
  }

  /** A poison event becomes a dead letter; the events of its lane wait behind it. */
  private park(
    batch: CommitBatch,
    inbox: InboxEvent,
    error: string,
    source: string,
    blocked: Set<string>,
  ): void {
    batch.received.push({ event: inbox, status: 'dead', source });
    batch.deadLetters.push({ eventId: inbox.id, lane: inbox.lane, error });
    blocked.add(inbox.lane);
    this.log.warn('event dead-lettered; its lane waits', {
      eventId: inbox.id,
      type: inbox.type,
      lane: inbox.lane,
      error,
    });
  }

  /**
   * The cursor after a page: the last event of its settled prefix (events come in created_at
   * order, so the unsettled ones are at the end). Unsettled events are applied now but read
   * again next time, so one that the API shows late, before them, is not skipped.
   */
  private settledCursor(
    events: readonly EngineEvent[],
    cursor: Cursor,
  ): { cursor: Cursor; allSettled: boolean } {
    const settledBefore = new Date(this.clock() - this.settleMs).toISOString();
    let next = cursor;
    for (const e of events) {
      // An unparseable event (no time: parked as a dead letter) still counts as a position.
      if (e.occurredAt > settledBefore) return { cursor: next, allSettled: false };
      next = { after: e.id, rangeStart: null };
    }
    return { cursor: next, allSettled: true };
  }

  private queueEffects(batch: CommitBatch, inbox: InboxEvent): void {
    if (this.handlers.has(inbox.type) || this.handlers.has('*')) {
      batch.outbox.push({ eventId: inbox.id, type: inbox.type, json: inbox.json });
    }
  }

  private async blockedLanes(): Promise<Set<string>> {
    this.blocked ??= await this.store.blockedLanes();
    return this.blocked;
  }

  /** Runs the user handlers of committed events (at least once each, never for replay or import). */
  async runEffects(): Promise<number> {
    if (this.handlers.size === 0) return 0;
    // One runner at a time: two would both take the same due items and run their handlers
    // twice (the reader and the webhook sweep both call this). A call during a run asks for
    // one more pass instead.
    if (this.effectsRunning) {
      this.effectsAgain = true;
      return this.effectsRunning;
    }
    this.effectsRunning = (async () => {
      let ran = 0;
      do {
        this.effectsAgain = false;
        ran += await runOutbox(this.store, this.handlers, {
          clock: this.clock,
          logger: this.log,
          afterHandler: () => this.checkpoint('effect-ran'),
        });
      } while (this.effectsAgain);
      return ran;
    })().finally(() => (this.effectsRunning = null));
    return this.effectsRunning;
  }

  /**
   * First import: the current state from the list endpoints, then events from a point safely
   * before the import began (so nothing between the two is missed; guards make overlap harmless).
   */
  importState(signal?: AbortSignal): Promise<number> {
    const snapshot = this.options.snapshot;
    if (!snapshot) throw new Error('no snapshot source configured');
    return importState(
      {
        store: this.store,
        snapshot,
        provider: this.options.provider,
        log: this.log,
        clock: this.clock,
        overlapMs: this.options.importOverlapMs ?? 5 * 60_000,
        checkpoint: (name) => this.checkpoint(name),
        onProgress: this.options.onProgress,
      },
      signal,
    );
  }

  /**
   * Re-reads events from `since` (a cursor) and re-applies their rows. Effects do not run,
   * the cursor does not move, and events waiting in a blocked lane stay waiting.
   */
  replay(since: Cursor, signal?: AbortSignal): Promise<{ reapplied: number }> {
    return replay(
      {
        store: this.store,
        events: this.options.events,
        provider: this.options.provider,
        pageLimit: this.pageLimit,
        clock: this.clock,
        onProgress: this.options.onProgress,
      },
      since,
      signal,
    );
  }

  /** Applies a dead-lettered event again (after a fix), then the events waiting behind it. */
  retryDeadLetter(eventId: string): Promise<DeadLetterResolution> {
    return this.resolveDeadLetter(eventId, 'retry');
  }

  /** Gives up on a dead-lettered event (recorded as skipped) and applies the events waiting behind it. */
  skipDeadLetter(eventId: string): Promise<DeadLetterResolution> {
    return this.resolveDeadLetter(eventId, 'skip');
  }

  private async resolveDeadLetter(
    eventId: string,
    action: 'retry' | 'skip',
  ): Promise<DeadLetterResolution> {
    const result = await resolveDeadLetter(
      {
        store: this.store,
        provider: this.options.provider,
        queueEffects: (batch, inbox) => this.queueEffects(batch, inbox),
      },
      eventId,
      action,
    );
    this.blocked = null;
    await this.runEffects();
    return result;
  }
}

/**
 * Distributed work: lanes are hashed onto this many job keys. A key's jobs run in order, one at
 * a time, so a lane's events stay in stream order; keys run in parallel. One key per lane would
 * make a job per organization per batch: a few events each, and the queue's cost per job (not
 * the applying) would set the pace.
 */
const WORK_KEYS = 64;

/**
 * The shortest time slice of a parallel catch-up. With 100,000 events over 30 days a slice
 * spans hours; only a backlog denser than ~20 events/s sustained meets this floor.
 */
const MIN_SLICE_MS = 30_000;

/** The job key of a lane (FNV-1a, so every process agrees). */
export function workKey(lane: string): string {
  return `lanes:${fnv1a(lane) % WORK_KEYS}`;
}

function addCounts(result: DrainResult, page: PageOutcome): void {
  result.applied += page.applied;
  result.duplicates += page.duplicates;
  result.deadLettered += page.deadLettered;
  result.waiting += page.waiting;
  if (page.queued > 0) result.queued = (result.queued ?? 0) + page.queued;
}

/**
 * Pages read but not yet staged. A batch's pages are staged together: one inbox lookup per
 * batch instead of one per page (a round trip each on PostgreSQL).
 */
class PageBuffer {
  private pages: unknown[][] = [];
  count = 0;

  add(page: unknown[]): void {
    this.pages.push(page);
    this.count += page.length;
  }

  take(): unknown[] {
    const all = this.pages.length === 1 ? this.pages[0]! : this.pages.flat();
    this.pages = [];
    this.count = 0;
    return all;
  }
}

interface Staged {
  batch: CommitBatch;
  /** Ids of events in the batch (not yet in the store, so `knownEvents` cannot see them). */
  ids: Set<string>;
  /** For `onApplied`, once committed. */
  applied: AppliedEvent[];
}

const newStaged = (): Staged => ({
  batch: commitBatch(),
  ids: new Set(),
  applied: [],
});

/**
 * What `stagePage` is given: a page the API reader read (deduplicated against the inbox; its
 * settled prefix moves `cursor` when there is one), held webhook events the API has not shown
 * within the grace period, or the queued events of distributed-work jobs.
 */
type StageInput =
  | { mode: 'page'; raw: unknown[]; cursor: Cursor | null }
  | { mode: 'held'; events: InboxEvent[] }
  | { mode: 'queued'; events: InboxEvent[] };

interface PageOutcome {
  queued: number;
  applied: number;
  duplicates: number;
  deadLettered: number;
  waiting: number;
  cursor: Cursor | null;
  allSettled: boolean;
}
