import { occurredAtMs } from '../../src/providers/workos/envelope.js';
import { describe, expect, it } from 'vitest';
import { readSlicesInOrder } from '../../src/engine/catch-up.js';
import type { Cursor } from '../../src/engine/store.js';
import type { EventSource } from '../../src/engine/ports.js';
import { SyncEngine } from '../../src/engine/sync.js';
import { workos } from '../../src/providers/workos/index.js';
import { tempDb } from '../helpers/test-db.js';
import { cursorById } from '../helpers/cursor.js';

/**
 * An Events API of `count` events (one millisecond apart unless `offsetMs` says when each comes),
 * answering each page after `delayMs`, that counts what a reader does to it: requests in
 * flight, pages handed out.
 */
function slowSource(count: number, delayMs: number, offsetMs: (i: number) => number = (i) => i) {
  const t0 = Date.parse('2026-01-01T00:00:00.000Z');
  const events = Array.from({ length: count }, (_, i) => ({
    id: `event_${String(i).padStart(8, '0')}`,
    created_at: new Date(t0 + offsetMs(i)).toISOString(),
  }));
  const stats = { inFlight: 0, maxInFlight: 0, requests: 0, inFlightAtStart: 0, pages: 0 };
  const source: EventSource = {
    cursorAfter: cursorById,
    async readPage(cursor: Cursor, limit: number) {
      stats.requests++;
      stats.inFlightAtStart += stats.inFlight;
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      await new Promise((r) => setTimeout(r, delayMs));
      stats.inFlight--;
      const from = cursor.rangeStart ?? '';
      const to = cursor.rangeEnd ?? '\uffff';
      const page = events
        .filter((e) => (cursor.after ? e.id > cursor.after : e.created_at >= from))
        .filter((e) => e.created_at <= to)
        .slice(0, limit);
      if (page.length > 0) stats.pages++;
      return page;
    },
  };
  const toMs = Date.parse(events.at(-1)!.created_at);
  return { source, stats, fromMs: t0, toMs, ids: events.map((e) => e.id) };
}

/** What the inbox keeps of what the reader hands out: each event's first copy, in order. */
function firstCopies(pages: unknown[][]): string[] {
  const seen = new Set<string>();
  for (const page of pages) for (const e of page as { id: string }[]) seen.add(e.id);
  return [...seen];
}

describe('reading a backlog in parallel time slices', () => {
  it('hands out every event in stream order (edge events may come twice)', async () => {
    const { source, fromMs, toMs, ids } = slowSource(2_000, 1);
    const pages: unknown[][] = [];
    for await (const page of readSlicesInOrder(source, {
      timeMs: occurredAtMs,
      fromMs,
      toMs,
      slices: 13,
      parallelism: 4,
      pageLimit: 25,
      bufferPages: 3,
    })) {
      pages.push(page);
      // A consumer slower than the reads, now and then: the window fills and must not deadlock.
      if (pages.length % 12 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    expect(firstCopies(pages)).toEqual(ids);
  });

  it('keeps requests in flight while later slices wait their turn, within the page window', async () => {
    // Slices of 8 pages, more than a slice's share of the window (6 pages each for 4 slices):
    // slices waiting their turn with pages read must not hold the request slots.
    const { source, stats, fromMs, toMs } = slowSource(16 * 8 * 10, 3);
    const parallelism = 4;
    const bufferPages = 6;
    let consumed = 0;
    let mostHeld = 0;
    for await (const page of readSlicesInOrder(source, {
      timeMs: occurredAtMs,
      fromMs,
      toMs,
      slices: 16,
      parallelism,
      pageLimit: 10,
      bufferPages,
    })) {
      consumed++;
      // Pages read and not yet handed over, beside this one.
      mostHeld = Math.max(mostHeld, stats.pages - consumed);
      expect(page.length).toBeGreaterThan(0);
      // Applying a batch every 10 pages, as the engine does: reading must go on meanwhile.
      if (consumed % 10 === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(stats.maxInFlight).toBeLessThanOrEqual(parallelism);
    expect(mostHeld).toBeLessThanOrEqual(parallelism * bufferPages + parallelism);
    // On average a request starts beside others (read one slice at a time, it would be 0).
    expect(stats.inFlightAtStart / stats.requests).toBeGreaterThanOrEqual(1.5);
  });

  it('splits the slices left at the tail so their pages are read side by side', async () => {
    // 100 events over the first 90% of the span, 1,500 crowded into its last 10%: the last
    // slice holds nearly everything.
    const { source, stats, fromMs, toMs, ids } = slowSource(1_600, 2, (i) =>
      i < 100 ? i * 90 : 9_000 + (i - 100) * (1_000 / 1_500),
    );
    const pages: unknown[][] = [];
    for await (const page of readSlicesInOrder(source, {
      timeMs: occurredAtMs,
      fromMs,
      toMs,
      slices: 4,
      parallelism: 4,
      pageLimit: 20,
    })) {
      pages.push(page);
    }
    expect(firstCopies(pages)).toEqual(ids);
    // 80 pages: read one after another, a request would start beside none.
    expect(stats.inFlightAtStart / stats.requests).toBeGreaterThanOrEqual(1.5);
    expect(stats.maxInFlight).toBeLessThanOrEqual(4);
    // Splitting costs a few partial pages, not a re-read.
    expect(stats.requests).toBeLessThan(80 + 20);
  });

  it('stops reading when the consumer stops', async () => {
    const { source, stats, fromMs, toMs } = slowSource(5_000, 2);
    for await (const page of readSlicesInOrder(source, {
      timeMs: occurredAtMs,
      fromMs,
      toMs,
      slices: 20,
      parallelism: 4,
      pageLimit: 10,
    })) {
      expect(page.length).toBe(10);
      break;
    }
    const after = stats.requests;
    await new Promise((r) => setTimeout(r, 50));
    // Requests already in flight may finish; no new ones start.
    expect(stats.requests).toBeLessThanOrEqual(after);
    expect(stats.inFlight).toBe(0);
  });
});

describe('time slices are a capability of the event source', () => {
  for (const timeRanges of [true, false])
    it(`a long backlog is read ${timeRanges ? 'in parallel slices' : 'with one cursor'} when the source ${timeRanges ? 'reads' : 'does not read'} time ranges; every event applied once`, async () => {
      // 20,000 events over about 5.5 hours: a backlog long enough for slices.
      const { source, ids } = slowSource(20_000, 0, (i) => i * 1000);
      const cursors: Cursor[] = [];
      const events: EventSource = {
        cursorAfter: cursorById,
        readPage: (cursor, limit, signal) => {
          cursors.push(cursor);
          return source.readPage(cursor, limit, signal);
        },
        ...(timeRanges ? { timeRanges: true } : {}),
      };
      const store = tempDb('sqlite').store();
      await store.migrate();
      const provider = {
        ...workos,
        // The synthetic events carry no payload: every one an activity-free no-op.
        parseEvent: (raw: unknown) => {
          const e = raw as { id: string; created_at: string };
          return { id: e.id, type: 'x.y', occurredAt: e.created_at, lane: '', data: {}, raw: e };
        },
      };
      try {
        const engine = new SyncEngine({
          store,
          events,
          provider,
          importOnFirstRun: false,
          settleMs: 0,
          readParallelism: 12,
          clock: () => Date.parse('2026-01-02T00:00:00.000Z'),
        });
        const result = await engine.drain();
        expect(result.applied).toBe(ids.length);
        expect(cursors.some((c) => c.rangeEnd !== undefined)).toBe(timeRanges);
      } finally {
        await store.close();
      }
    });
});
