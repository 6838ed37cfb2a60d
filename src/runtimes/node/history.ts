/** A minute of a source's work: events applied, and the longest time one took to reach its row. */
interface Minute {
  applied: number;
  maxLagMs: number;
}

/** What the status page draws: a value a minute, oldest first, ending at the current minute. */
export interface ActivitySeries {
  /** The start of the last minute (ms). */
  endMs: number;
  applied: number[];
  /** Seconds; null for a minute that applied nothing. */
  lagSeconds: (number | null)[];
}

/**
 * The last hours of each source's work, kept in memory a bucket a minute (so a restart starts
 * them afresh), for the status page's charts.
 */
export class ActivityHistory {
  private readonly sources = new Map<string, Map<number, Minute>>();

  constructor(
    private readonly minutes = 360,
    private readonly clock: () => number = Date.now,
  ) {}

  record(sourceId: string, createdAt: readonly string[]): void {
    const now = this.clock();
    const minute = Math.floor(now / 60_000);
    let buckets = this.sources.get(sourceId);
    if (!buckets) this.sources.set(sourceId, (buckets = new Map()));
    let bucket = buckets.get(minute);
    if (!bucket) {
      buckets.set(minute, (bucket = { applied: 0, maxLagMs: 0 }));
      for (const m of buckets.keys()) if (m <= minute - this.minutes) buckets.delete(m);
    }
    bucket.applied += createdAt.length;
    for (const at of createdAt) bucket.maxLagMs = Math.max(bucket.maxLagMs, now - Date.parse(at));
  }

  series(sourceId: string): ActivitySeries {
    const last = Math.floor(this.clock() / 60_000);
    const buckets = this.sources.get(sourceId);
    const applied: number[] = [];
    const lagSeconds: (number | null)[] = [];
    for (let m = last - this.minutes + 1; m <= last; m++) {
      const b = buckets?.get(m);
      applied.push(b?.applied ?? 0);
      lagSeconds.push(b ? b.maxLagMs / 1000 : null);
    }
    return { endMs: last * 60_000, applied, lagSeconds };
  }
}
