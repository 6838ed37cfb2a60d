import type { EventSource } from '../../engine/ports.js';
import type { Cursor } from '../../engine/store.js';
import { getJsonResponse, type JsonApiOptions } from '../../http/get-json.js';

/** A `from` for a time: `900` + its UTC `YYYYMMDDHHMMSS` + zeros (log ids start so, 56 digits). */
export function logIdAt(iso: string): string {
  const stamp = new Date(iso).toISOString().replace(/[-T:]/g, '').slice(0, 14);
  return `900${stamp}`.padEnd(56, '0');
}

/** How far back a source with no cursor starts: the longest retention (30 days, Enterprise). */
const OLDEST_MS = 30 * 86_400_000;

/**
 * The tenant's logs in checkpoint mode: `GET /api/v2/logs?from=<log_id>&take=100`, ascending by
 * `log_id` (Auth0 orders them so to never skip a late one; `date` is not monotonic in that
 * order). The cursor is the last `log_id`, which is what the answer's `Link: rel="next"` names;
 * at the head the answer is `[]`. Before any cursor, reading starts at a time: the first log id
 * of that second.
 */
export class Auth0LogsReader implements EventSource {
  constructor(
    private readonly http: JsonApiOptions,
    private readonly clock: () => number = Date.now,
  ) {}

  cursorAfter(raw: unknown): string | null {
    const r = raw as { log_id?: unknown; _id?: unknown } | null;
    const id = r?.log_id ?? r?._id;
    return typeof id === 'string' && /^\d+$/.test(id) ? id : null;
  }

  async readPage(cursor: Cursor, limit: number, signal?: AbortSignal): Promise<unknown[]> {
    const from =
      cursor.after ??
      logIdAt(cursor.rangeStart ?? new Date(this.clock() - OLDEST_MS).toISOString());
    const take = String(Math.min(100, limit));
    const answer = await getJsonResponse(this.http, '/api/v2/logs', { from, take }, signal);
    if (!Array.isArray(answer.body))
      throw new Error('GET /api/v2/logs?from= answered without a list of logs');
    return answer.body;
  }
}
