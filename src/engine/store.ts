import type { RowChange } from './changes.js';

/** An event as the inbox keeps it. */
export interface InboxEvent {
  id: string;
  type: string;
  lane: string;
  createdAt: string;
  /** The event object as JSON (normalized envelope). */
  json: string;
}

export type InboxStatus = 'applied' | 'pending' | 'dead' | 'skipped';

/**
 * Where the Events API reader stands. `after` is the id of the last event it trusts as final;
 * before any, `rangeStart` says from when to read (first import starts here).
 */
export interface Cursor {
  after: string | null;
  rangeStart: string | null;
  /** For reads only (never stored): stop at events created at this instant. */
  rangeEnd?: string;
}

/** Everything one step changes, committed atomically by the store (one transaction). */
export interface CommitBatch {
  /** New events for the inbox, each with the status it ends this batch in. */
  received: { event: InboxEvent; status: InboxStatus; source: string }[];
  /** Events already in the inbox whose status changes (a retried dead letter, a drained lane). */
  statusChanges?: { eventId: string; status: InboxStatus }[];
  /** Row changes, in order. */
  changes: RowChange[];
  deadLetters?: { eventId: string; lane: string; error: string }[];
  /** Dead letters resolved by this batch. */
  resolvedDeadLetters?: string[];
  /** Events whose effects (user handlers) must run once this commits. */
  outbox?: { eventId: string; type: string; json: string }[];
  cursor?: Cursor;
  /** The newest `created_at` applied in this batch, for lag. */
  lastEventAt?: string;
}

export interface DeadLetter {
  eventId: string;
  type: string;
  lane: string;
  error: string;
  failedAt: string;
  attempts: number;
}

export interface OutboxItem {
  eventId: string;
  type: string;
  json: string;
  attempts: number;
}

export interface StoreStatus {
  cursor: Cursor;
  lastEventAt: string | null;
  rows: Record<string, number>;
  inbox: Record<string, number>;
  deadLetters: number;
  outboxPending: number;
  state: Record<string, string>;
}

/**
 * The engine's port to a database. One implementation per store (sqlite now; postgres, d1
 * later), each turning `RowChange`s into guarded SQL. Every method is async so stores without
 * synchronous drivers fit the same port.
 */
export interface SyncStore {
  /** Creates or upgrades the tables; safe to call on every start. */
  migrate(): Promise<void>;
  readCursor(): Promise<Cursor>;
  /** The newest `created_at` applied so far (for lag, and to size a catch-up). */
  lastEventAt(): Promise<string | null>;
  /** The subset of `ids` already in the inbox. */
  knownEvents(ids: string[]): Promise<Set<string>>;
  /** Lanes with a dead letter: their later events wait in the inbox. */
  blockedLanes(): Promise<Set<string>>;
  /** Inbox events of a lane waiting to be applied, in stream order. */
  pendingEvents(lane: string): Promise<InboxEvent[]>;
  inboxEvent(id: string): Promise<(InboxEvent & { status: InboxStatus }) | undefined>;
  commit(batch: CommitBatch): Promise<void>;
  deadLetters(): Promise<DeadLetter[]>;
  outboxDue(limit: number, nowMs: number): Promise<OutboxItem[]>;
  outboxDone(eventId: string): Promise<void>;
  outboxFailed(eventId: string, error: string, retryAtMs: number): Promise<void>;
  setState(key: string, value: string | null): Promise<void>;
  getState(key: string): Promise<string | null>;
  status(): Promise<StoreStatus>;
  close(): Promise<void>;
}
