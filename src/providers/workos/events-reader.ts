import type { EventSource } from '../../engine/ports.js';
import type { Cursor } from '../../engine/store.js';
import { getJson, type JsonApiOptions } from '../../http/get-json.js';

/** `GET /events` in ascending order after the cursor (or from `range_start` before there is one). */
export class WorkOSEventsReader implements EventSource {
  /** `range_start` and `range_end` bound a read (documented; `RangesIgnoredError` covers a server that ignores them). */
  readonly timeRanges = true;

  constructor(private readonly http: JsonApiOptions) {}

  /** WorkOS pages with `after=<event id>`. */
  cursorAfter(raw: unknown): string | null {
    const id = (raw as { id?: unknown } | null)?.id;
    return typeof id === 'string' && id !== '' ? id : null;
  }

  async readPage(cursor: Cursor, limit: number, signal?: AbortSignal): Promise<unknown[]> {
    const query: Record<string, string | undefined> = { order: 'asc', limit: String(limit) };
    // range_start cannot go with after: a ranged read starts with range_start, then pages with after.
    if (cursor.after) query.after = cursor.after;
    else if (cursor.rangeStart) query.range_start = cursor.rangeStart;
    if (cursor.rangeEnd) query.range_end = cursor.rangeEnd;
    const body = (await getJson(this.http, '/events', query, signal)) as { data?: unknown };
    if (!Array.isArray(body?.data)) throw new Error('GET /events answered without a data array');
    return body.data;
  }
}
