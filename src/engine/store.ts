import type { RowChange } from './changes.js';
import type { DeliveryStore, NewDelivery } from './deliveries.js';

/**
 * Another run moved the cursor since this one read it (overlapping scheduled runs on D1): this
 * run's commit was refused whole, and it should stop; the other run carries on from further on.
 */
export class ConcurrentRunError extends Error {
  constructor() {
    super('Another run moved the cursor; this run stops and leaves the stream to it.');
  }
}

/**
 * The source a store serves (for example one WorkOS environment, one Auth0 tenant): several share one
 * database, each with its own cursor row, state keys and reader lease, named by `id`.
 */
export interface SourceIdentity {
  /** Lowercase letters, digits and `_`, starting with a letter (see `SOURCE_ID_PATTERN`). */
  id: string;
  /** The provider's name (`Provider.name`). */
  provider: string;
  /** Whether its event ids sort in stream order (`Provider.orderedIds`): then they are positions. */
  orderedIds: boolean;
}

export const SOURCE_ID_PATTERN = /^[a-z][a-z0-9_]{0,31}$/;

/** An event as the inbox keeps it. */
export interface InboxEvent {
  id: string;
  type: string;
  lane: string;
  createdAt: string;
  /** The event object as JSON (normalized envelope). */
  json: string;
}

/**
 * `held`: delivered by a webhook, not yet shown by the Events API (the API reader applies it in
 * order when it does; after a grace period the engine applies it from the inbox anyway).
 * `queued`: read, and sent as a job for whichever process works its lane (distributed work).
 */
export type InboxStatus = 'applied' | 'pending' | 'dead' | 'skipped' | 'held' | 'queued';

/**
 * Where the event source's reader stands. `after` is the source's own token (`cursorAfter` of
 * the last event it trusts as final; opaque to the engine); before any, `rangeStart` says from
 * when to read (first import starts here).
 */
export interface Cursor {
  after: string | null;
  rangeStart: string | null;
  /** For reads only (never stored): stop at events created at this instant. */
  rangeEnd?: string;
}

/** Everything one step changes, committed atomically by the store (one transaction). */
export interface CommitBatch {
  /**
   * Events the reader met, in stream order (their inbox positions follow it): new ones for the
   * inbox, each with the status it ends this batch in; `seen`: one already there, which the API
   * shows here (if the API had not shown it before, as for an event applied from a webhook, it
   * takes this position).
   */
  received: { event: InboxEvent; status: InboxStatus | 'seen'; source: string }[];
  /** Events already in the inbox whose status changes (a retried dead letter, a drained lane). */
  statusChanges: { eventId: string; status: InboxStatus }[];
  /** Row changes, in order. */
  changes: RowChange[];
  deadLetters: { eventId: string; lane: string; error: string }[];
  /** Dead letters resolved by this batch. */
  resolvedDeadLetters: string[];
  /** Applied events some destination wants: the body each of their deliveries sends. */
  outbox: { eventId: string; type: string; json: string }[];
  /** A delivery per (event, destination that wants it), made by the dispatcher later. */
  deliveries: NewDelivery[];
  cursor?: Cursor;
  /** The newest `created_at` applied in this batch, for lag. */
  lastEventAt?: string;
  /** Distributed work: jobs to send, one per key (a group of lanes), committed with their events. */
  enqueue?: { key: string; eventIds: string[] }[];
  /** Distributed work: the jobs this commit finishes (their events applied in it). */
  completes?: string[];
}

/** A batch with the given parts and every other list empty. */
export function commitBatch(parts: Partial<CommitBatch> = {}): CommitBatch {
  return {
    received: [],
    statusChanges: [],
    changes: [],
    deadLetters: [],
    resolvedDeadLetters: [],
    outbox: [],
    deliveries: [],
    ...parts,
  };
}

/**
 * Where the work after reading is spread over processes (PostgreSQL + pg-boss): the jobs the
 * reader's commits send, worked on by every process, a lane's jobs one at a time in order.
 */
export interface WorkQueue {
  /** Applies jobs until `signal` aborts; `apply` commits the jobs' completion with their events. */
  work(
    apply: (jobs: { jobId: string; eventIds: string[] }[]) => Promise<void>,
    batchSize: number,
    signal: AbortSignal,
    onError: (error: Error) => void,
  ): Promise<void>;
  stop(): Promise<void>;
}

export interface DeadLetter {
  eventId: string;
  type: string;
  lane: string;
  error: string;
  failedAt: string;
  attempts: number;
}

/** Events waiting in the inbox, by why they wait. */
export interface Backlog {
  /** Behind a dead letter in their lane. */
  pending: number;
  dead: number;
  /** Delivered by webhook, not yet shown by the API. */
  held: number;
}

/** Row repairs of one table made by reconciliation. */
export interface TableRepairs {
  /** Rows the provider has that were missing here. */
  missing: number;
  /** Rows older here than there. */
  stale: number;
  /** Rows here that the provider no longer has. */
  deleted: number;
}

export interface StoreStatus {
  cursor: Cursor;
  lastEventAt: string | null;
  rows: Record<string, number>;
  inbox: Record<string, number>;
  deadLetters: number;
  state: Record<string, string>;
}

/**
 * Where several processes share one database: exactly one of them reads the event stream (and
 * sweeps overdue webhook events) at a time. Stores used by one process at most do not offer it.
 */
export interface ReaderLease {
  /** Whether this process is the reader now; takes the role if it is free. */
  hold(): Promise<boolean>;
  /** Calls `listener` when another process received a webhook (so the reader polls now). */
  onDoorbell(listener: () => void): void;
  /** Tells the reader, wherever it runs, that a webhook arrived. */
  ring(): Promise<void>;
  release(): Promise<void>;
}

/** A process working on the database, as `status` lists them. */
export interface ProcessInfo {
  name: string;
  reader: boolean;
  since: string;
}

/** Told of a migration about to upgrade an existing database. */
export type OnUpgrade = (migration: { version: number; name: string }) => void;

/**
 * The engine's port to a database, for one source: the cursor, the state keys, the reader
 * lease and the work queue are that source's; the inbox, the tables and the outbox are shared
 * by every source in the database (event ids are unique across them). One implementation per
 * database (SQLite, PostgreSQL, D1), each turning `RowChange`s into guarded SQL. Every method
 * is async so stores without synchronous drivers fit the same port.
 */
export interface SyncStore {
  /** The source it serves. */
  readonly source: SourceIdentity;
  /** Every source with a cursor in this database (this one once it has committed a cursor). */
  sources(): Promise<Pick<SourceIdentity, 'id' | 'provider'>[]>;
  /**
   * Creates or upgrades the tables; safe to call on every start. `onUpgrade` is told of each
   * migration before it runs on a database that already had tables (an upgrade may take a while).
   */
  migrate(onUpgrade?: OnUpgrade): Promise<void>;
  readCursor(): Promise<Cursor>;
  /** The newest `created_at` applied so far (for lag, and to size a catch-up). */
  lastEventAt(): Promise<string | null>;
  /** The subset of `ids` already in the inbox, except those only held from a webhook. */
  knownEvents(ids: string[]): Promise<Set<string>>;
  /** Lanes with a dead letter: their later events wait in the inbox. */
  blockedLanes(): Promise<Set<string>>;
  /** Inbox events of a lane waiting to be applied, in stream order. */
  pendingEvents(lane: string): Promise<InboxEvent[]>;
  inboxEvent(id: string): Promise<(InboxEvent & { status: InboxStatus }) | undefined>;
  /** Those of `ids` still queued for a worker, in stream order. */
  queuedEvents(ids: string[]): Promise<InboxEvent[]>;
  commit(batch: CommitBatch): Promise<void>;
  /**
   * Stores a verified webhook delivery durably (held until the API shows it). Returns false for
   * a duplicate delivery: the event was already delivered by a webhook.
   */
  storeWebhookEvent(event: InboxEvent, receivedAt: string): Promise<boolean>;
  /** Held events received before `receivedBefore`, by event time (the API never placed them). */
  heldEvents(receivedBefore: string, limit: number): Promise<InboxEvent[]>;
  backlog(): Promise<Backlog>;
  /** Among events received in [from, to): delivered by webhook and never shown by the API, and the reverse. */
  sourceGaps(
    from: string,
    to: string,
  ): Promise<{ webhookOnly: number; apiOnly: number; viaWebhook: number }>;
  /** Reconciliation, step 1: forget the keys of `tables` noted by an earlier run. */
  reconcileStart(tables: string[]): Promise<void>;
  /**
   * Step 2, per page of the list endpoints: applies the objects' upserts (guarded as always),
   * notes their keys, and counts per table the rows that were missing or older here.
   */
  reconcilePage(changes: RowChange[]): Promise<Record<string, TableRepairs>>;
  /**
   * Step 3: deletes (with tombstones dated `before`) the rows of `tables` last written before
   * `before` that the list endpoints did not show; counts per table.
   */
  reconcileFinish(tables: string[], before: string): Promise<Record<string, number>>;
  deadLetters(): Promise<DeadLetter[]>;
  setState(key: string, value: string | null): Promise<void>;
  getState(key: string): Promise<string | null>;
  status(): Promise<StoreStatus>;
  /** Present where several processes may share the database. */
  readerLease?(): ReaderLease;
  /** Present where the work after reading can be spread over processes. */
  workQueue?(): WorkQueue;
  /** Deliveries to the application's destinations (their state, claims and log). */
  deliveries(): DeliveryStore;
  /** The processes working on the database now (where several may). */
  processes?(): Promise<ProcessInfo[]>;
  /** The database server's name and version number (PostgreSQL: `server_version_num`), for `doctor`. */
  serverVersion?(): Promise<{ name: string; version: number }>;
  /** The lanes with the most events not yet applied, most first. */
  laneBacklog(limit: number): Promise<LaneBacklog[]>;
  close(): Promise<void>;
}

/** A lane's events not yet applied. */
export interface LaneBacklog {
  lane: string;
  /** Behind a dead letter (pending), and the dead letters themselves. */
  waiting: number;
  /** Distributed work: stored and sent to the work queue, not yet applied by a process. */
  queued: number;
}
