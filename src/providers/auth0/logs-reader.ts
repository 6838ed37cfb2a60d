import type { EventSource } from '../../engine/ports.js';
import type { Cursor } from '../../engine/store.js';
import { getJsonResponse, type JsonApiOptions } from '../../http/get-json.js';

/** A `from` for a time: `900` + its UTC `YYYYMMDDHHMMSS` + zeros (log ids start so, 56 digits). */
export function logIdAt(iso: string): string {
  const stamp = new Date(iso).toISOString().replace(/[-T:]/g, '').slice(0, 14);
  return `900${stamp}`.padEnd(56, '0');
}

/**
 * The time a log id was stamped with (`900` + UTC `YYYYMMDDHHMMSS`: when Auth0 stored the log,
 * not its `date`), in ms; NaN for an id not laid out so.
 */
export function logIdMs(id: string): number {
  const m = /^900(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})\d*$/.exec(id);
  // Digits that are no time read as another (a 30th of February) or none: only the slices'
  // balance depends on it, never what they read.
  return m ? Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : Number.NaN;
}

/** Ids as numbers: the longer is the larger, else the order of their digits. */
function idAfter(a: string, b: string): boolean {
  return a.length !== b.length ? a.length > b.length : a > b;
}

/**
 * One cursor sends a request per round trip, two a second or more (a page of logs answered
 * within 500 ms): a budget no larger (self-service: 100 a minute) is spent whole by one cursor,
 * and slices would only add requests. Enterprise's 960 a minute leaves room for several.
 */
const SLICING_REQUESTS_PER_SECOND = 2;

/** How far back a source with no cursor starts: the longest retention (30 days, Enterprise). */
const OLDEST_MS = 30 * 86_400_000;

/**
 * The tenant's logs in checkpoint mode: `GET /api/v2/logs?from=<log_id>&take=100`, ascending by
 * `log_id` (Auth0 orders them so to never skip a late one; `date` is not monotonic in that
 * order). The cursor is the last `log_id`, which is what the answer's `Link: rel="next"` names;
 * at the head the answer is `[]`. Before any cursor, reading starts at a time: the first log id
 * of that second.
 *
 * Time ranges: a range is the log ids stamped within it, from the first id of its start's
 * second to the last of its end's. Ranges cut the id space itself, so slices read side by side
 * meet exactly whatever the ids hold; the stamp only decides how many logs each slice gets.
 * Slices cost requests (each ends on a part page), so they are read only where the budget has
 * room for more than one cursor's pace (`SLICING_REQUESTS_PER_SECOND`).
 */
export class Auth0LogsReader implements EventSource {
  readonly timeRanges: boolean;
  /**
   * Enterprise's 960 requests a minute is 16 a second: four in flight keep up with round trips
   * of 250 ms. More would only hold more pages of logs (large: a `sapi` log carries its request
   * and response) in memory, waiting their turn.
   */
  readonly maxParallelism = 4;
  private readonly clock: () => number;

  constructor(
    private readonly http: JsonApiOptions,
    options: { clock?: () => number; requestsPerSecond?: number } = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.timeRanges = (options.requestsPerSecond ?? 0) > SLICING_REQUESTS_PER_SECOND;
  }

  cursorAfter(raw: unknown): string | null {
    const r = raw as { log_id?: unknown; _id?: unknown } | null;
    const id = r?.log_id ?? r?._id;
    return typeof id === 'string' && /^\d+$/.test(id) ? id : null;
  }

  positionMs(raw: unknown): number {
    const id = this.cursorAfter(raw);
    return id === null ? Number.NaN : logIdMs(id);
  }

  async readPage(cursor: Cursor, limit: number, signal?: AbortSignal): Promise<unknown[]> {
    const from =
      cursor.after ??
      logIdAt(cursor.rangeStart ?? new Date(this.clock() - OLDEST_MS).toISOString());
    const take = String(Math.min(100, limit));
    const answer = await getJsonResponse(this.http, '/api/v2/logs', { from, take }, signal);
    if (!Array.isArray(answer.body))
      throw new Error('GET /api/v2/logs?from= answered without a list of logs');
    if (!cursor.rangeEnd) return answer.body;
    // Up to the last id of the end's second: the first id of the next one, exclusive.
    const end = logIdAt(new Date(Date.parse(cursor.rangeEnd) + 1000).toISOString());
    const past = answer.body.findIndex((raw) => {
      const id = this.cursorAfter(raw);
      return id !== null && !idAfter(end, id);
    });
    return past < 0 ? answer.body : answer.body.slice(0, past);
  }
}
