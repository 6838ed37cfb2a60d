import type { EventSource } from './ports.js';

/**
 * Reading a long backlog in parallel: the span is cut into time slices, up to `parallelism`
 * slices are read at once (each ascending, `range_start` then `after` + `range_end`), and their
 * pages come out in stream order: all of slice 1, then all of slice 2, ... Each slice holds at
 * most `bufferPages` pages ahead, so memory stays bounded however long the backlog.
 * Slice edges are inclusive on both sides: an event on an edge is read twice, never missed
 * (the inbox drops the copy).
 */
export async function* readSlicesInOrder(
  source: EventSource,
  options: {
    fromMs: number;
    toMs: number;
    slices: number;
    parallelism: number;
    pageLimit: number;
    bufferPages?: number;
    signal?: AbortSignal;
  },
): AsyncIterable<unknown[]> {
  const { fromMs, toMs, pageLimit, signal } = options;
  const count = Math.max(1, options.slices);
  const edges = Array.from({ length: count + 1 }, (_, i) =>
    Math.round(fromMs + ((toMs - fromMs) * i) / count),
  );
  const readers: SliceReader[] = [];
  let consuming = 0;
  // At most `parallelism` slices reading, and at most two more read but not yet
  // consumed: memory stays bounded even when reading outpaces applying.
  const startMore = () => {
    while (
      readers.length < count &&
      readers.length - consuming < options.parallelism + 2 &&
      readers.filter((r) => !r.finished).length < options.parallelism
    ) {
      const i = readers.length;
      const reader = new SliceReader(
        source,
        edges[i]!,
        edges[i + 1]!,
        pageLimit,
        options.bufferPages ?? 6,
        signal,
      );
      readers.push(reader);
      void reader.run().finally(startMore);
    }
  };
  startMore();
  for (; consuming < count; consuming++) {
    startMore();
    const reader = readers[consuming];
    if (!reader) throw new Error('catch-up: slice reader missing');
    yield* reader.pages();
    readers[consuming] = FINISHED;
  }
}

/** Reads one time slice into a bounded queue that `pages()` drains. */
class SliceReader {
  finished = false;
  private readonly queue: unknown[][] = [];
  private error: unknown = null;
  private notifyReader: (() => void) | null = null;
  private notifyWriter: (() => void) | null = null;

  constructor(
    private readonly source: EventSource,
    private readonly fromMs: number,
    private readonly toMs: number,
    private readonly pageLimit: number,
    private readonly bufferPages: number,
    private readonly signal?: AbortSignal,
  ) {}

  async run(): Promise<void> {
    try {
      const rangeEnd = new Date(this.toMs).toISOString();
      let after: string | null = null;
      for (;;) {
        const cursor = after
          ? { after, rangeStart: null, rangeEnd }
          : { after: null, rangeStart: new Date(this.fromMs).toISOString(), rangeEnd };
        const page = await this.source.readPage(cursor, this.pageLimit, this.signal);
        if (page.length > 0) await this.push(page);
        if (page.length < this.pageLimit) break;
        after = String((page[page.length - 1] as { id?: unknown }).id);
      }
    } catch (error) {
      this.error = error;
    } finally {
      this.finished = true;
      this.notifyReader?.();
    }
  }

  private async push(page: unknown[]): Promise<void> {
    while (this.queue.length >= this.bufferPages)
      await new Promise<void>((r) => (this.notifyWriter = r));
    this.queue.push(page);
    this.notifyReader?.();
  }

  async *pages(): AsyncIterable<unknown[]> {
    for (;;) {
      const page = this.queue.shift();
      if (page) {
        this.notifyWriter?.();
        yield page;
        continue;
      }
      if (this.error) throw this.error;
      if (this.finished) return;
      await new Promise<void>((r) => (this.notifyReader = r));
    }
  }
}

/** Stands in for a consumed slice, so its pages can be collected. */
const FINISHED = Object.assign(Object.create(SliceReader.prototype) as SliceReader, {
  finished: true,
});
