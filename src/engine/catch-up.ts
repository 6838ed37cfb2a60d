import type { EventSource } from './ports.js';

/** The Events API answered outside the requested `range_start`..`range_end`: it ignores them. */
export class RangesIgnoredError extends Error {
  constructor() {
    super('the Events API ignores range_start/range_end');
  }
}

/** Edges are compared with this allowance (a server's rounding of times). */
const RANGE_SLACK_MS = 1000;

/** Pages each reading slice may hold read ahead (its share of the window), and its usual size. */
export const PAGES_PER_SLICE = 6;

export interface SliceOptions {
  /** The span to read, cut into `slices` equal time slices. */
  fromMs: number;
  toMs: number;
  slices: number;
  /** Requests in flight at most. */
  parallelism: number;
  pageLimit: number;
  /** An event's time in ms from its envelope (NaN when unreadable): the provider's. */
  timeMs: (raw: unknown) => number;
  /** Each slot's share of the read-ahead window, in pages (default `PAGES_PER_SLICE`). */
  bufferPages?: number;
  signal?: AbortSignal;
}

/**
 * Reading a long backlog in parallel: the span is cut into time slices, each read ascending
 * (`range_start`, then `after` + `range_end`), and their pages come out in stream order: all of
 * slice 1, then all of slice 2, ... Slice edges are inclusive on both sides: an event on an edge
 * is read twice, never missed (the inbox drops the copy).
 *
 * One scheduler shares two budgets among the slices, earliest slice first:
 * - at most `parallelism` requests in flight (a slice has at most one: its pages come in turn);
 * - at most `parallelism × bufferPages` (default `PAGES_PER_SLICE`) pages read and not yet
 *   consumed, so memory stays bounded however long the backlog. The slice being consumed may
 *   always read when it has nothing buffered (else a window full of later pages would wait for
 *   it forever).
 * Budgets are shared, not per slice: a later slice that has read its share does not hold a
 * request slot while it waits its turn, so requests stay in flight whenever pages are wanted.
 */
export async function* readSlicesInOrder(
  source: EventSource,
  options: SliceOptions,
): AsyncIterable<unknown[]> {
  const scheduler = new SliceScheduler(source, options);
  try {
    yield* scheduler.pages();
  } finally {
    scheduler.close();
  }
}

/** One time slice: its pages read so far and not yet consumed, and where its reading stands. */
class Slice {
  readonly queue: unknown[][] = [];
  after: string | null = null;
  fetching = false;
  /** Its last page has been read (or reading failed: `error`). */
  done = false;
  error: unknown = null;
  /** Wakes the consumer waiting on this slice. */
  wake: (() => void) | null = null;
  /** The rest of its range, split off to be read beside it; consumed right after it. */
  following: Slice | null = null;
  /** Time of the last event read, and the density of its last full page (NaN until one). */
  lastMs = NaN;
  msPerEvent = NaN;

  constructor(
    readonly index: number,
    readonly startMs: number,
    public endMs: number,
  ) {}
}

class SliceScheduler {
  private readonly count: number;
  private readonly edges: number[];
  private readonly window: number;
  /** Started slices that may read again, earliest first (each holds pages or is consumed). */
  private open: Slice[] = [];
  /** Slices the scheduler started and the consumer has not reached, by index. */
  private readonly started = new Map<number, Slice>();
  /** The slice being consumed, and the next one to start. */
  private consuming: Slice | null = null;
  private next = 0;
  private inFlight = 0;
  /** Pages read and not yet consumed, across slices. */
  private buffered = 0;
  private closed = false;

  constructor(
    private readonly source: EventSource,
    private readonly options: SliceOptions,
  ) {
    const { fromMs, toMs } = options;
    this.count = Math.max(1, options.slices);
    this.edges = Array.from({ length: this.count + 1 }, (_, i) =>
      Math.round(fromMs + ((toMs - fromMs) * i) / this.count),
    );
    this.window = Math.max(1, options.parallelism) * (options.bufferPages ?? PAGES_PER_SLICE);
  }

  async *pages(): AsyncIterable<unknown[]> {
    for (let i = 0; i < this.count; i++) {
      let slice: Slice | null = i < this.next ? this.startedSlice(i) : this.start();
      for (; slice; slice = slice.following) yield* this.drain(slice);
    }
  }

  private async *drain(slice: Slice): AsyncIterable<unknown[]> {
    this.consuming = slice;
    this.pump();
    for (;;) {
      const page = slice.queue.shift();
      if (page) {
        this.buffered--;
        this.pump();
        yield page;
        continue;
      }
      if (slice.error) throw slice.error;
      if (slice.done) return;
      await new Promise<void>((r) => (slice.wake = r));
    }
  }

  close(): void {
    this.closed = true;
  }

  private startedSlice(index: number): Slice {
    const slice = this.started.get(index);
    if (!slice) throw new Error(`catch-up: slice ${index} was never started`);
    this.started.delete(index);
    return slice;
  }

  /** Starts the next slice (it reads once the scheduler gives it a turn). */
  private start(): Slice {
    const i = this.next++;
    const slice = new Slice(i, this.edges[i]!, this.edges[i + 1]!);
    this.open.push(slice);
    return slice;
  }

  /** Hands out request slots, earliest slice first, within both budgets. */
  private pump(): void {
    if (this.closed) return;
    const parallelism = Math.max(1, this.options.parallelism);
    let i = 0;
    while (this.inFlight < parallelism) {
      let slice = this.open[i];
      if (!slice) {
        // Every open slice is reading: start a later one if the window has room; at the tail,
        // with none left to start, split the rest of a reading one instead.
        if (this.buffered + this.inFlight >= this.window) return;
        if (this.next >= this.count) {
          if (!this.splitOne()) return;
          i = 0;
          continue;
        }
        slice = this.start();
        this.started.set(slice.index, slice);
      }
      i++;
      if (slice.fetching) continue;
      const starving = slice === this.consuming && slice.queue.length === 0;
      if (!starving && this.buffered + this.inFlight >= this.window) continue;
      void this.fetch(slice);
    }
  }

  private async fetch(slice: Slice): Promise<void> {
    slice.fetching = true;
    this.inFlight++;
    const { pageLimit, signal } = this.options;
    try {
      const rangeEnd = new Date(slice.endMs).toISOString();
      const page = await this.source.readPage(
        slice.after
          ? { after: slice.after, rangeStart: null, rangeEnd }
          : { after: null, rangeStart: new Date(slice.startMs).toISOString(), rangeEnd },
        pageLimit,
        signal,
      );
      if (page.length > 0) {
        // A server may ignore the optional range parameters: then every slice would read the
        // whole stream from its start (5,040 events fetched for 420, seen).
        const startsBefore =
          !slice.after && this.options.timeMs(page[0]) < slice.startMs - RANGE_SLACK_MS;
        if (
          startsBefore ||
          this.options.timeMs(page[page.length - 1]) > slice.endMs + RANGE_SLACK_MS
        )
          throw new RangesIgnoredError();
        slice.queue.push(page);
        this.buffered++;
      }
      if (page.length < pageLimit) {
        slice.done = true;
      } else {
        // The last event that can be a cursor (a server's id-less event cannot).
        const after = lastCursor(this.source, page);
        if (after === null)
          throw new Error('The event source returned a full page of events without ids');
        slice.after = after;
        const first = this.options.timeMs(page[0]);
        slice.lastMs = this.options.timeMs(page[page.length - 1]);
        slice.msPerEvent = (slice.lastMs - first) / (page.length - 1);
      }
    } catch (error) {
      slice.error = error;
      slice.done = true;
    } finally {
      slice.fetching = false;
      this.inFlight--;
      if (slice.done) this.open = this.open.filter((s) => s !== slice);
      slice.wake?.();
      slice.wake = null;
      this.pump();
    }
  }

  /**
   * Splits the rest of the reading slice with the most left to read (at its last page's
   * density) into two read side by side: the tail of a backlog is then not read page after page
   * by its last slices. The page in flight is left its part; should it reach past the split,
   * the events past it come twice and the inbox drops the copies (order still holds: the copies
   * come after). Only worth it with two pages or more left beyond the page in flight.
   */
  private splitOne(): boolean {
    const { pageLimit } = this.options;
    const restAfter = (s: Slice) => s.lastMs + pageLimit * s.msPerEvent;
    let best: Slice | null = null;
    let mostLeft = 2 * pageLimit;
    for (const s of this.open) {
      if (!s.fetching || !(s.msPerEvent > 0)) continue;
      const left = (s.endMs - restAfter(s)) / s.msPerEvent;
      if (left >= mostLeft) [best, mostLeft] = [s, left];
    }
    if (!best) return false;
    const from = restAfter(best);
    const mid = Math.round(from + (best.endMs - from) / 2);
    const rest = new Slice(best.index, mid, best.endMs);
    rest.following = best.following;
    best.following = rest;
    best.endMs = mid;
    this.open.splice(this.open.indexOf(best) + 1, 0, rest);
    return true;
  }
}

/** The cursor after a page: that of its last item that can be one. */
export function lastCursor(source: EventSource, page: readonly unknown[]): string | null {
  for (let i = page.length - 1; i >= 0; i--) {
    const after = source.cursorAfter(page[i]);
    if (after !== null) return after;
  }
  return null;
}

/**
 * The shortest time slice of a parallel catch-up. With 100,000 events over 30 days a slice
 * spans hours; only a backlog denser than ~20 events/s sustained meets this floor.
 */
const MIN_SLICE_MS = 30_000;

/**
 * How to read a backlog whose first page had these event times (ms; NaN where unreadable): from
 * when to when, in how many slices; null when it is not worth slicing (short, or the first event
 * unreadable).
 */
export function planSlices(
  times: readonly number[],
  o: { pageLimit: number; settleMs: number; nowMs: number; minSpanMs: number; parallelism: number },
): { fromMs: number; toMs: number; slices: number } | null {
  // An unreadable first event is parked by the cursor loop, which then reads the rest; the
  // sample's other times only tell the density.
  if (Number.isNaN(times[0]!)) return null;
  const readable = times.filter((t) => !Number.isNaN(t));
  const firstMs = times[0]!;
  const lastMs = readable[readable.length - 1]!;
  const fromMs = firstMs - o.settleMs;
  // Stay clear of the unsettled head: the cursor loop reads that part.
  const toMs = o.nowMs - o.settleMs - 60_000;
  if (toMs - fromMs < o.minSpanMs) return null;
  // Slices of a slice's share of the read-ahead window at the sampled density: then every
  // reading slice can run ahead whole (larger ones end up read one at a time), and partial
  // last pages stay few (measured: 6-page slices beat 8-page ones at 50 ms per request).
  // One page is a poor witness of the whole span: a burst (many events in one millisecond)
  // made it ask for 100,000 slices, a request each, for a few hundred events. No slice is
  // shorter than MIN_SLICE_MS; a dense one is split at the tail by the reader anyway.
  const msPerEvent = Math.max(1, lastMs - firstMs) / readable.length;
  const spanMs = toMs - fromMs;
  const slices = Math.max(
    o.parallelism,
    Math.min(
      Math.ceil(spanMs / MIN_SLICE_MS),
      Math.ceil(spanMs / (msPerEvent * o.pageLimit * PAGES_PER_SLICE)),
    ),
  );
  return { fromMs, toMs, slices };
}
