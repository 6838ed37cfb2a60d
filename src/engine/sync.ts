import type { DeliveryRoute } from './deliveries.js';
import { lastCursor, planSlices, RangesIgnoredError, readSlicesInOrder } from './catch-up.js';
import { resolveDeadLetter, type DeadLetterResolution } from './dead-letter-resolution.js';
import { importState } from './first-import.js';
import { replay } from './replay.js';
import {
  silentLogger,
  type Checkpoint,
  type EventSource,
  type Logger,
  type SnapshotSource,
} from './ports.js';
import type { Provider } from './provider.js';
import {
  newStaged,
  PageStager,
  type AppliedEvent,
  type PageOutcome,
  type Staged,
} from './staging.js';
import type { Cursor, InboxEvent, SyncStore } from './store.js';

export type { AppliedEvent } from './staging.js';

export interface SyncEngineOptions {
  store: SyncStore;
  events: EventSource;
  snapshot?: SnapshotSource;
  /** The provider whose events these are: envelope, lanes, projections. */
  provider: Provider;
  /** Where each applied event is delivered (the destinations that want it); default none. */
  routes?: (event: InboxEvent) => readonly DeliveryRoute[];
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
  /** Told when a commit wrote deliveries (the dispatcher looks at once). */
  onDeliveries?: () => void;
}

export interface Progress {
  phase: 'import' | 'events' | 'replay' | 'reconcile';
  count: number;
  startedAtMs: number;
  /** Reading events: the newest event time applied so far (how far behind the head it is). */
  lastEventAt?: string;
  /** First import: objects imported of each kind whose total the provider gave, and that total. */
  totals?: Record<string, KindTotal>;
}

export interface KindTotal {
  done: number;
  total: number;
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
 * rows, the inbox, the dead letters, the deliveries to make and the cursor in one transaction.
 * The cursor only passes events that are stored; it never passes an unsettled one.
 */
export class SyncEngine {
  private readonly store: SyncStore;
  private readonly log: Logger;
  private readonly clock: () => number;
  private readonly settleMs: number;
  private readonly pageLimit: number;
  private readonly stageEvents: number;
  private readonly stager: PageStager;
  /**
   * Distributed work: the reader stores events as `queued` and sends a job per lane instead of
   * applying them; `applyQueued` applies a job's events wherever it is fetched.
   */
  dispatching = false;
  private inFlight: { done: Promise<void>; ids: Set<string> } | null = null;

  constructor(private readonly options: SyncEngineOptions) {
    this.store = options.store;
    this.log = options.logger ?? silentLogger;
    this.clock = options.clock ?? Date.now;
    this.settleMs = options.settleMs ?? 5000;
    this.stageEvents = options.stageEvents ?? 1000;
    this.pageLimit = options.pageLimit ?? 100;
    this.stager = new PageStager({
      store: this.store,
      provider: options.provider,
      events: options.events,
      log: this.log,
      clock: this.clock,
      settleMs: this.settleMs,
      dispatching: () => this.dispatching,
      routes: options.routes ?? (() => []),
      collectApplied: options.onApplied !== undefined,
    });
  }

  private newestApplied: string | undefined;

  private progress(count: number, startedAtMs: number, staged: Staged): void {
    const at = staged.batch.lastEventAt;
    if (at && (!this.newestApplied || at > this.newestApplied)) this.newestApplied = at;
    this.options.onProgress?.({
      phase: 'events',
      count,
      startedAtMs,
      ...(this.newestApplied ? { lastEventAt: this.newestApplied } : {}),
    });
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
      this.stager.forgetBlocked();
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
      const after = lastCursor(this.options.events, raw);
      const more = raw.length >= this.pageLimit && after !== null && after !== readFrom.after;
      if (more) {
        // Reading, not writing, is the slow part: fetch the next page while this one is applied.
        readFrom = { after, rangeStart: null };
        next = this.options.events.readPage(readFrom, this.pageLimit, signal);
        next.catch(() => {});
      }
      pages.add(raw);
      // Several pages per transaction while catching up: fewer commits, same atomicity.
      if (!more || pages.count >= this.stageEvents) {
        const staged = newStaged();
        // Once an unsettled event is met, the cursor stays before it for the rest of the drain.
        const page = await this.stager.stage(
          { mode: 'page', raw: pages.take(), cursor: settling ? null : cursor },
          staged,
          this.inFlight?.ids,
        );
        addCounts(result, page);
        cursor = page.cursor ?? cursor;
        if (!page.allSettled) settling = true;
        await this.commitBehind(staged);
        this.progress(result.fetched, started, staged);
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
    const parallelism = Math.min(
      this.options.readParallelism ?? 12,
      this.options.events.maxParallelism ?? Infinity,
    );
    if (parallelism <= 1 || !this.options.events.timeRanges) return cursor;
    // One page tells where the backlog starts and how dense it is. Its first event is the first
    // after the cursor: slices start there, less the settle window, and never at the newest
    // event applied (a webhook's event applied from the inbox, or events read ahead past
    // unsettled ones, can be far ahead of the cursor; starting there skipped what lay between).
    const sample = await this.options.events.readPage(cursor, this.pageLimit, signal);
    if (sample.length < this.pageLimit) return cursor;
    const { events, provider } = this.options;
    const timeMs = (raw: unknown) =>
      events.positionMs ? events.positionMs(raw) : provider.occurredAtMs(raw);
    const plan = planSlices(sample.map(timeMs), {
      pageLimit: this.pageLimit,
      settleMs: this.settleMs,
      nowMs: this.clock(),
      minSpanMs: this.options.catchUpMinSpanMs ?? 15 * 60_000,
      parallelism,
    });
    if (!plan) return cursor;
    const { fromMs, toMs, slices } = plan;
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
      const page = await this.stager.stage(
        { mode: 'page', raw: pages.take(), cursor },
        staged,
        this.inFlight?.ids,
      );
      addCounts(result, page);
      cursor = page.cursor ?? cursor;
      await this.commitBehind(staged);
      this.progress(result.fetched, started, staged);
    };
    try {
      for await (const raw of readSlicesInOrder(this.options.events, {
        fromMs,
        toMs,
        slices,
        parallelism,
        pageLimit: this.pageLimit,
        timeMs,
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
    const done = this.commitInTurn(staged);
    done.catch(() => {});
    this.inFlight = { done, ids: staged.ids };
  }

  /** Waits for the commit in flight. */
  private async finishCommit(): Promise<void> {
    const inFlight = this.inFlight;
    if (!inFlight) return;
    this.inFlight = null;
    await inFlight.done;
  }

  /**
   * The reader's commits and those of webhook events applied at once (`applyHeld`, beside the
   * reader), one at a time. PostgreSQL's commits take turns anyway (`rowsLock`, across
   * processes); waiting here keeps a pool connection from waiting there.
   */
  private commitInTurn(staged: Staged): Promise<void> {
    const turn = this.commitTurn.then(() => this.commitStaged(staged));
    this.commitTurn = turn.catch(() => {});
    return turn;
  }

  private commitTurn: Promise<void> = Promise.resolve();

  private async commitStaged(staged: Staged): Promise<void> {
    this.checkpoint('before-commit');
    await this.store.commit(staged.batch);
    this.checkpoint('after-commit');
    if (staged.applied.length > 0) this.options.onApplied?.(staged.applied);
    if (staged.batch.deliveries.length > 0) this.options.onDeliveries?.();
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
      const page = await this.stager.stage({ mode: 'held', events: held }, staged);
      await this.commitInTurn(staged);
      total += page.applied + page.deadLettered + page.waiting;
      this.log.warn('applied events the Events API has not shown, from their webhooks', {
        events: held.length,
      });
      if (held.length < 500) return total;
    }
  }

  /**
   * Distributed work: applies the events of some jobs (one lane each, in stream order) that are
   * still queued, and completes the jobs in the same transaction (with their deliveries). A job
   * fetched again after its process died finds its events applied and only completes.
   */
  async applyQueued(jobs: { jobId: string; eventIds: string[] }[]): Promise<void> {
    // Dead letters may have been made by other processes since.
    this.stager.forgetBlocked();
    const staged = newStaged();
    staged.batch.completes = jobs.map((j) => j.jobId);
    // One job per lane: each job's events in stream order, the jobs independent of each other.
    const events = await this.store.queuedEvents(jobs.flatMap((j) => j.eventIds));
    if (events.length > 0) await this.stager.stage({ mode: 'queued', events }, staged);
    await this.commitStaged(staged);
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
   * Re-reads events from `since` (a cursor) and re-applies their rows. Nothing is delivered,
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
        queueDeliveries: (batch, inbox) => this.stager.queueDeliveries(batch, inbox),
      },
      eventId,
      action,
    );
    this.stager.forgetBlocked();
    return result;
  }
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
