import type { Cursor } from './store.js';

/** Reads pages of raw events from the provider, ascending, after the cursor. */
export interface EventSource {
  /**
   * Events after `cursor.after` (a token `cursorAfter` gave), or from `cursor.rangeStart` (a
   * time) when there is none; up to `cursor.rangeEnd` where the source reads time ranges.
   */
  readPage(cursor: Cursor, limit: number, signal?: AbortSignal): Promise<unknown[]>;
  /**
   * The cursor token that reads on after this raw item (an event id, a log id, an offset: the
   * engine never looks inside it), or null when the item cannot be one (an envelope without its
   * id). The engine stores it and passes it back in `cursor.after`.
   */
  cursorAfter(raw: unknown): string | null;
  /**
   * A capability: the source reads bounded time ranges (`rangeStart` with `rangeEnd`, then
   * `after` with `rangeEnd`), so a long backlog is read as parallel time slices. Without it,
   * one cursor reads everything in turn.
   */
  readonly timeRanges?: boolean;
  /**
   * Where an item sits in the time the source's ranges select by (ms; NaN when it cannot be
   * told), for a source whose order is not its events' own times (Auth0 orders logs by when
   * they were stored, not by their `date`). Without it, ranges are in the provider's
   * `occurredAtMs`.
   */
  positionMs?(raw: unknown): number;
  /** At most this many time slices read at once, whatever `readParallelism` says. */
  readonly maxParallelism?: number;
}

/** One object of the provider's current state, as a list endpoint returns it. */
export interface SnapshotItem {
  kind: string;
  object: Record<string, unknown>;
  /** For objects whose list does not say it (organization roles). */
  organizationId?: string;
  /** When it was read: the time of objects that have none of their own. */
  readAt?: string;
}

/** A page of the provider's current state. */
export interface SnapshotPage {
  items: SnapshotItem[];
  /**
   * Set once everything before this point has been yielded: a snapshot started again from here
   * (opaque, kept between runs) continues after it. An import cut short resumes there.
   */
  resumeFrom?: string;
  /** How many objects of a kind there are, where the provider says (for progress only). */
  totals?: Record<string, number>;
}

/** The provider's current state, page by page, for the first import and reconciliation. */
export interface SnapshotSource {
  snapshot(signal?: AbortSignal, resumeFrom?: string): AsyncIterable<SnapshotPage>;
}

/** What a webhook delivery came to: stored (200), or refused with a reason and a message. */
export type WebhookOutcome =
  | {
      status: 200;
      eventId: string;
      type: string;
      duplicate: boolean;
      /** `doctor`'s signed test delivery: verified, answered, never stored. */
      test?: boolean;
    }
  | { status: 400 | 401; reason: string; message: string };

/**
 * A capability of a provider: webhook deliveries, from raw bytes to the inbox. Verified before
 * parsing, stored durably (as `held`: the event source's reader applies them in stream order)
 * before the delivery is acknowledged. Transport limits are the HTTP layer's job.
 */
export interface WebhookReceiver {
  /**
   * Deliveries are events in their own right, not a doorbell for a stream that will show them
   * (Auth0's Event Streams): applied as soon as they are stored, not after the grace period.
   */
  readonly appliesAtOnce?: boolean;
  /** `header(name)` reads a request header (lower-case name). */
  receive(raw: Uint8Array, header: (name: string) => string | undefined): Promise<WebhookOutcome>;
  /** The headers the provider would send with this body now: for `doctor`'s test delivery. */
  testHeaders(raw: Uint8Array, nowMs: number): Promise<Record<string, string>>;
}

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** Span attributes: values only, never a secret (no key, token, password or URL credentials). */
export type SpanAttributes = Record<string, string | number | boolean | string[]>;

/**
 * Traces (OpenTelemetry on Node, when configured): a span around a piece of work, or one that
 * already happened and was timed (a delivery attempt).
 */
export interface Spans {
  /** `work` inside a span; it may add attributes as it learns them; a throw marks the span. */
  span<T>(
    name: string,
    attributes: SpanAttributes,
    work: (set: (more: SpanAttributes) => void) => Promise<T>,
  ): Promise<T>;
  record(
    name: string,
    attributes: SpanAttributes,
    startMs: number,
    durationMs: number,
    error: string | null,
  ): void;
  /** Sends what is finished (before the process exits). */
  flush(): Promise<void>;
}

/**
 * Named step boundaries. Tests set a hook that kills the process at one of them, to prove
 * that a crash anywhere leaves a database the next run converges from.
 */
export type Checkpoint =
  'page-fetched' | 'before-commit' | 'after-commit' | 'import-page-committed' | 'handler-ran';

/**
 * Sources for work on the database alone (migrate, status, dead letters): reading from the
 * provider throws `refusal()`.
 */
export function offlineSources(refusal: () => Error): {
  events: EventSource;
  snapshot: SnapshotSource;
} {
  const refuse = (): never => {
    throw refusal();
  };
  return {
    events: { readPage: async () => refuse(), cursorAfter: () => null },
    snapshot: { snapshot: refuse },
  };
}
