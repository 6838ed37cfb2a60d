/**
 * The objects of one resource, kept in id order (ids are monotonic ULIDs, so id order is
 * creation order), with secondary indexes for the filters the list endpoints take.
 */
export interface Entity {
  id: string;
}

export type ListOrder = 'asc' | 'desc' | 'normal';

export interface PageRequest {
  limit: number;
  after?: string | undefined;
  before?: string | undefined;
  order: ListOrder;
}

export interface Page<T> {
  data: T[];
  before: string | null;
  after: string | null;
}

export class Collection<T extends Entity> {
  private readonly byId = new Map<string, T>();
  /** Every id ever stored, ascending; deleted ones are skipped when read and compacted away. */
  private ids: string[] = [];
  private stale = 0;
  private readonly indexes = new Map<
    string,
    { key: (item: T) => string | null; ids: Map<string, string[]> }
  >();

  constructor(indexKeys: Record<string, (item: T) => string | null> = {}) {
    for (const [name, key] of Object.entries(indexKeys))
      this.indexes.set(name, { key, ids: new Map() });
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): T | undefined {
    return this.byId.get(id);
  }

  values(): IterableIterator<T> {
    return this.byId.values();
  }

  /** A uniformly random live object, or undefined when there is none. Expected O(1). */
  random(float: () => number): T | undefined {
    if (this.byId.size === 0) return undefined;
    // Deleted ids never outnumber live ones for long (compaction), so few draws miss.
    for (;;) {
      const item = this.byId.get(this.ids[Math.floor(float() * this.ids.length)] as string);
      if (item) return item;
    }
  }

  /** Stores a new object or replaces the one with the same id. New ids must sort last. */
  put(item: T): void {
    const isNew = !this.byId.has(item.id);
    this.byId.set(item.id, item);
    if (!isNew) return;
    const last = this.ids[this.ids.length - 1];
    if (last !== undefined && last >= item.id) {
      throw new Error(`ids must be stored in ascending order (${item.id} after ${last})`);
    }
    this.ids.push(item.id);
    for (const index of this.indexes.values()) {
      const key = index.key(item);
      if (key === null) continue;
      let list = index.ids.get(key);
      if (!list) index.ids.set(key, (list = []));
      list.push(item.id);
    }
  }

  delete(id: string): T | undefined {
    const item = this.byId.get(id);
    if (!item) return undefined;
    this.byId.delete(id);
    this.stale++;
    if (this.stale > 1024 && this.stale > this.byId.size) this.compact();
    return item;
  }

  /** The live objects whose index `name` has `key`, in id order. */
  where(name: string, key: string): T[] {
    const index = this.indexes.get(name);
    if (!index) throw new Error(`no index named ${name}`);
    const out: T[] = [];
    for (const id of index.ids.get(key) ?? []) {
      const item = this.byId.get(id);
      if (item && index.key(item) === key) out.push(item);
    }
    return out;
  }

  /** A page in WorkOS's cursor semantics, optionally restricted to one index key. */
  page(
    request: PageRequest,
    filter?: { index: string; key: string },
    keep?: (item: T) => boolean,
  ): Page<T> {
    let ids = this.ids;
    if (filter) {
      const index = this.indexes.get(filter.index);
      if (!index) throw new Error(`no index named ${filter.index}`);
      ids = index.ids.get(filter.key) ?? [];
    }
    const live = (i: number): T | undefined => {
      const item = this.byId.get(ids[i] as string);
      if (!item || (keep && !keep(item))) return undefined;
      return item;
    };
    return pageIds((i) => ids[i] as string, ids.length, 0, ids.length, request, live);
  }

  private compact(): void {
    this.ids = this.ids.filter((id) => this.byId.has(id));
    for (const index of this.indexes.values()) {
      for (const [key, list] of index.ids) {
        const kept = list.filter((id) => this.byId.has(id));
        if (kept.length === 0) index.ids.delete(key);
        else index.ids.set(key, kept);
      }
    }
    this.stale = 0;
  }
}

/** First position in ascending `ids` whose id is > `id` (or >= when `inclusive`). */
export function upperBound(
  idAt: (i: number) => string,
  count: number,
  id: string,
  inclusive = false,
): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const probe = idAt(mid);
    if (probe < id || (!inclusive && probe === id)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * WorkOS list pagination over ascending ids (`idAt(i)` for i < count), within positions [lo, hi).
 * - `asc`: `after` moves to newer objects, `before` to older ones.
 * - `desc` (the default): newest first; `after` moves to older objects, `before` to newer.
 * - `normal`: newest first, but `after` fetches newer and `before` older (per the spec).
 * `list_metadata.after` is the id to pass as `after` for the next page, null when none remain;
 * `list_metadata.before` likewise for the previous page. `live(i)` returns the object at
 * position i, or undefined when it is deleted or filtered out.
 */
export function pageIds<T>(
  idAt: (i: number) => string,
  count: number,
  lo: number,
  hi: number,
  request: PageRequest,
  live: (i: number) => T | undefined,
): Page<T> {
  const { limit, order } = request;
  // Walk direction in ascending-id terms: +1 towards newer, -1 towards older.
  const listStep = order === 'asc' ? 1 : -1;
  let step: 1 | -1 = listStep;
  let start: number;
  let cursorGiven = false;
  const afterMovesNewer = order === 'asc' || order === 'normal';
  const cursor = request.after ?? request.before;
  if (cursor !== undefined) {
    cursorGiven = true;
    const towardsNewer = request.after !== undefined ? afterMovesNewer : !afterMovesNewer;
    step = towardsNewer ? 1 : -1;
    start = towardsNewer
      ? upperBound(idAt, count, cursor)
      : upperBound(idAt, count, cursor, true) - 1;
    // A cursor outside the window (range filters) starts at the window's edge.
    start = towardsNewer ? Math.max(start, lo) : Math.min(start, hi - 1);
  } else {
    start = step === 1 ? lo : hi - 1;
  }
  const found: { id: string; item: T }[] = [];
  let i = start;
  for (; i >= lo && i < hi && found.length < limit; i += step) {
    const item = live(i);
    if (item !== undefined) found.push({ id: idAt(i), item });
  }
  let more = false;
  for (; i >= lo && i < hi; i += step) {
    if (live(i) !== undefined) {
      more = true;
      break;
    }
  }
  // Present the page in list order, whichever way we walked to collect it.
  if (step !== listStep) found.reverse();
  const walkedForward = step === listStep;
  const first = found[0]?.id ?? null;
  const last = found[found.length - 1]?.id ?? null;
  const hasNextInListOrder = walkedForward ? more : cursorGiven;
  const hasPreviousInListOrder = walkedForward ? cursorGiven : more;
  const nextCursor = hasNextInListOrder ? last : null;
  const previousCursor = hasPreviousInListOrder ? first : null;
  return {
    data: found.map((f) => f.item),
    after: order === 'normal' ? previousCursor : nextCursor,
    before: order === 'normal' ? nextCursor : previousCursor,
  };
}
