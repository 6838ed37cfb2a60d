/**
 * Deliveries as the store keeps them: one per (event, destination), written in the transaction
 * that applied the event, then worked by the dispatcher (`src/delivery/`). Times are ms.
 */

/**
 * A user handler (`Sync.on`, a function destination): given the event's envelope as the
 * provider sent it (normalized), and its id and type (the same for every provider).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each provider types its own envelope (see `Sync.on`)
export type EffectHandler<E = any> = (
  event: E,
  meta: { id: string; type: string },
) => void | Promise<void>;

/** `pending` (due at `nextAttemptAt`, or in flight), then one of the other three for good. */
export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'skipped';

/** Where an applied event goes: a destination, in its lane's order or in none. */
export interface DeliveryRoute {
  destination: string;
  ordered: boolean;
}

/** A delivery row to write with a commit. */
export interface NewDelivery extends DeliveryRoute {
  eventId: string;
  type: string;
  lane: string;
  sourceId: string;
}

/** A delivery claimed for sending, with its event's body (the outbox row's). */
export interface ClaimedDelivery {
  id: number;
  eventId: string;
  type: string;
  destination: string;
  lane: string;
  ordered: boolean;
  replay: number;
  attempts: number;
  /** The event as JSON, as it is sent. */
  body: string;
  /** Until when this process holds it (ms). */
  leaseUntil: number;
}

/** One attempt's result, logged whatever it was. */
export interface DeliveryAttempt {
  at: number;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  /** The first bytes of the answer's body. */
  response: string | null;
}

/** What becomes of a delivery after an attempt. */
export type DeliveryVerdict =
  { status: 'delivered' } | { status: 'pending'; nextAttemptAt: number } | { status: 'failed' };

/** A delivery as `authsync deliveries list/show` shows it. */
export interface DeliveryRecord {
  id: number;
  eventId: string;
  type: string;
  sourceId: string | null;
  destination: string;
  lane: string;
  ordered: boolean;
  replay: number;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
  doneAt: number | null;
}

/** A destination's health as the store keeps it. */
export interface DestinationState {
  name: string;
  failingSince: number | null;
  disabledAt: number | null;
  lastError: string | null;
  lastSuccessAt: number | null;
}

/** A destination's backlog: deliveries waiting (due or retrying), failed, and the oldest. */
export interface DestinationBacklog {
  destination: string;
  pending: number;
  retrying: number;
  failed: number;
  oldestPendingAt: number | null;
}

/** The store's side of delivery (`SqlStore.deliveries()`). */
export interface DeliveryStore {
  /**
   * Due deliveries of these destinations, oldest first, claimed until `leaseUntil` in the same
   * statement (no two processes send one at once). An ordered delivery is due only when no
   * earlier one of its destination and lane is still open and waiting (retrying, failed, or in
   * another process's hands).
   */
  claim(
    destinations: string[],
    now: number,
    leaseUntil: number,
    limit: number,
  ): Promise<ClaimedDelivery[]>;
  /** Claimed deliveries not sent after all: due again at once. */
  release(ids: number[]): Promise<void>;
  /** Logs attempts and records their verdicts (and the destinations' health) in one transaction. */
  record(
    results: { delivery: ClaimedDelivery; attempt: DeliveryAttempt; verdict: DeliveryVerdict }[],
  ): Promise<void>;
  destinations(): Promise<DestinationState[]>;
  backlog(): Promise<DestinationBacklog[]>;
  /** Disables a destination (its deliveries kept) or, with `null`, enables it again. */
  setDisabled(name: string, at: number | null): Promise<void>;
  list(filter: {
    destination?: string;
    status?: DeliveryStatus;
    limit: number;
  }): Promise<DeliveryRecord[]>;
  get(id: number): Promise<{
    delivery: DeliveryRecord;
    attempts: (DeliveryAttempt & { attempt: number })[];
  } | null>;
  /** A failed (or pending) delivery due again now; returns how many changed. */
  retry(ids: number[] | 'all-failed', now: number): Promise<number>;
  /** Ends a pending or failed delivery without sending it (its lane moves on). */
  skip(id: number, now: number): Promise<number>;
  /**
   * Re-sends the deliveries of events applied since `sinceMs` (or from `sinceEventId`'s own on),
   * to one destination or all, as new deliveries marked as replays; returns how many.
   */
  replay(
    from: { sinceMs?: number; sinceEventId?: string },
    destination: string | undefined,
    now: number,
  ): Promise<number>;
  /** Deletes finished deliveries, their attempts and bodies no longer needed, older than `before`. */
  prune(before: number): Promise<number>;
  /** Outbox rows still waiting from before deliveries existed, oldest first. */
  pendingOutbox(): Promise<
    { event_id: string; type: string; data: string; lane: string; source_id: string | null }[]
  >;
}
