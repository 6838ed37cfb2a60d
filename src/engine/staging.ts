import type { DeliveryRoute } from './deliveries.js';
import { fnv1a, type EngineEvent } from './event.js';
import { projectSafely, toInbox, unreadableInbox } from './inbox-event.js';
import type { EventSource, Logger } from './ports.js';
import type { Provider } from './provider.js';
import {
  commitBatch,
  type CommitBatch,
  type Cursor,
  type InboxEvent,
  type SyncStore,
} from './store.js';

export interface AppliedEvent {
  id: string;
  /** Its lane: the organization, else the object it is about (`user:<id>`, ...), else empty (see `laneOf`). */
  lane: string;
  type: string;
  /** Who it was applied from: `api`, or `webhook` when the API had not shown it within the grace period. */
  source: string;
  createdAt: string;
}

/**
 * Distributed work: lanes are hashed onto this many job keys. A key's jobs run in order, one at
 * a time, so a lane's events stay in stream order; keys run in parallel. One key per lane would
 * make a job per organization per batch: a few events each, and the queue's cost per job (not
 * the applying) would set the pace.
 */
const WORK_KEYS = 64;

/** The job key of a lane (FNV-1a, so every process agrees). */
export function workKey(lane: string): string {
  return `lanes:${fnv1a(lane) % WORK_KEYS}`;
}

export interface StagerDeps {
  store: SyncStore;
  provider: Provider;
  events: EventSource;
  log: Logger;
  clock: () => number;
  settleMs: number;
  /** Distributed work: API events are queued as jobs instead of applied (read on every page). */
  dispatching: () => boolean;
  /** The destinations an applied event goes to (none when there are none). */
  routes: (event: InboxEvent) => readonly DeliveryRoute[];
  /** Collect `Staged.applied` (someone listens for applied events). */
  collectApplied: boolean;
}

/**
 * Turns pages into a batch not yet committed: deduplication against the inbox, lanes held by
 * dead letters, projections, deliveries to make, and the cursor after a page's settled prefix.
 * Keeps which lanes are blocked between pages (`forgetBlocked` after a failure or when other
 * processes may have made dead letters).
 */
export class PageStager {
  private blocked: Set<string> | null = null;

  constructor(private readonly deps: StagerDeps) {}

  forgetBlocked(): void {
    this.blocked = null;
  }

  /**
   * Adds one page to a batch not yet committed: new events for the inbox, their row changes,
   * dead letters for poison, deliveries to make, and the cursor after the page's settled prefix.
   */
  async stage(
    input: StageInput,
    staged: Staged,
    inFlightIds?: ReadonlySet<string>,
  ): Promise<PageOutcome> {
    const provider = this.deps.provider;
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
      : await this.deps.store.knownEvents(events.map((e) => e.id));
    // (Not for a job's events: the reader's batch in flight in this process names them too, as
    // queued, and they must be applied here, not taken for duplicates.)
    if (!fromQueue)
      for (const e of events) if (staged.ids.has(e.id) || inFlightIds?.has(e.id)) known.add(e.id);
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
      if (this.deps.dispatching() && source === 'api' && !fromQueue) {
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
      this.queueDeliveries(batch, inbox);
      if (this.deps.collectApplied)
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
    const { cursor: next, allSettled } =
      cursor && input.mode === 'page'
        ? this.settledCursor(events, input.raw, cursor)
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
    this.deps.log.warn('event dead-lettered; its lane waits', {
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
    raw: readonly unknown[],
    cursor: Cursor,
  ): { cursor: Cursor; allSettled: boolean } {
    const settledBefore = new Date(this.deps.clock() - this.deps.settleMs).toISOString();
    let next = cursor;
    for (const [i, e] of events.entries()) {
      // An unparseable event (no time: parked as a dead letter) still counts as a position.
      if (e.occurredAt > settledBefore) return { cursor: next, allSettled: false };
      // The source's token, from the item as it was read (events[i] is raw[i] parsed).
      const after = this.deps.events.cursorAfter(raw[i]);
      if (after !== null) next = { after, rangeStart: null };
    }
    return { cursor: next, allSettled: true };
  }

  /**
   * An applied event's deliveries, one per destination that wants it (handlers included), and
   * its body in the outbox for them to send.
   */
  queueDeliveries(batch: CommitBatch, inbox: InboxEvent): void {
    const routes = this.deps.routes(inbox);
    if (routes.length === 0) return;
    batch.outbox.push({ eventId: inbox.id, type: inbox.type, json: inbox.json });
    const sourceId = this.deps.store.source.id;
    for (const route of routes)
      batch.deliveries.push({
        ...route,
        eventId: inbox.id,
        type: inbox.type,
        lane: inbox.lane,
        sourceId,
      });
  }

  private async blockedLanes(): Promise<Set<string>> {
    this.blocked ??= await this.deps.store.blockedLanes();
    return this.blocked;
  }
}

export interface Staged {
  batch: CommitBatch;
  /** Ids of events in the batch (not yet in the store, so `knownEvents` cannot see them). */
  ids: Set<string>;
  /** For `onApplied`, once committed. */
  applied: AppliedEvent[];
}

export const newStaged = (): Staged => ({
  batch: commitBatch(),
  ids: new Set(),
  applied: [],
});

/**
 * What `PageStager.stage` is given: a page the API reader read (deduplicated against the inbox; its
 * settled prefix moves `cursor` when there is one), held webhook events the API has not shown
 * within the grace period, or the queued events of distributed-work jobs.
 */
export type StageInput =
  | { mode: 'page'; raw: unknown[]; cursor: Cursor | null }
  | { mode: 'held'; events: InboxEvent[] }
  | { mode: 'queued'; events: InboxEvent[] };

export interface PageOutcome {
  queued: number;
  applied: number;
  duplicates: number;
  deadLettered: number;
  waiting: number;
  cursor: Cursor | null;
  allSettled: boolean;
}
