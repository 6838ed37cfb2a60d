import type { Random } from '../random.js';
import { Auth0Error, OFFSET_CAP } from './errors.js';

/** A tenant log as `GET /api/v2/logs` returns it (additional properties allowed). */
export type Auth0LogInput = Record<string, unknown> & { date: string; type: string };
export type Auth0Log = Auth0LogInput & { log_id: string };

/** Days of logs each plan keeps (Auth0's log data retention). */
export const RETENTION_DAYS = {
  starter: 1,
  essentials: 5,
  professional: 10,
  enterprise: 30,
} as const;

export type Plan = keyof typeof RETENTION_DAYS;

export interface LogStoreOptions {
  /** A log becomes visible this long after its `date` (default 0). */
  indexingDelayMs?: number;
  /** Plus a random 0..N ms per log, so `date` is not monotonic in `log_id` order (default 0). */
  indexingJitterMs?: number;
  /** Retention by plan (default enterprise: 30 days). */
  plan?: Plan;
}

const ID_DIGITS = 56;

/** `YYYYMMDDHHMMSS` of a time, UTC. */
function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-T:]/g, '').slice(0, 14);
}

/**
 * The tenant's log. A log written at `date` is indexed (gets its `log_id`, becomes visible)
 * `indexingDelayMs` + jitter later; ids are `900` + the UTC `YYYYMMDDHHMMSS` of indexing + a
 * counter, 56 digits, ascending in indexing order, so checkpoint paging by `log_id` never
 * skips a late one while `date` order and id order disagree, as on Auth0.
 */
export class LogStore {
  private readonly pending: { at: number; log: Auth0LogInput }[] = [];
  /** Indexed logs, ascending by `log_id`. */
  readonly indexed: Auth0Log[] = [];
  private counter = 0n;
  private lastStamp = '';

  constructor(
    private readonly random: Random,
    private readonly options: LogStoreOptions = {},
  ) {}

  get retentionMs(): number {
    return RETENTION_DAYS[this.options.plan ?? 'enterprise'] * 86_400_000;
  }

  write(log: Auth0LogInput): void {
    const delay =
      (this.options.indexingDelayMs ?? 0) +
      (this.options.indexingJitterMs ? this.random.int(this.options.indexingJitterMs + 1) : 0);
    this.pending.push({ at: Date.parse(log.date) + delay, log });
  }

  /** Indexes every log due by `now`, in the order they are due. */
  flush(now: number): void {
    if (this.pending.length === 0) return;
    const due = this.pending.filter((p) => p.at <= now).sort((a, b) => a.at - b.at);
    if (due.length === 0) return;
    const rest = this.pending.filter((p) => p.at > now);
    this.pending.length = 0;
    this.pending.push(...rest);
    for (const { at, log } of due) {
      const s = stamp(at);
      this.lastStamp = s > this.lastStamp ? s : this.lastStamp;
      this.counter++;
      const id = `900${this.lastStamp}${this.counter.toString().padStart(ID_DIGITS - 17, '0')}`;
      this.indexed.push({ ...log, log_id: id, _id: id });
    }
  }

  /** Logs written and not yet visible. */
  get pendingCount(): number {
    return this.pending.length;
  }

  /** Visible logs within retention. */
  visible(now: number): Auth0Log[] {
    this.flush(now);
    const oldest = new Date(now - this.retentionMs).toISOString();
    return this.indexed.filter((l) => l.date >= oldest);
  }

  /** Checkpoint mode: up to `take` logs with `log_id` greater than `from`, ascending. */
  after(from: string, take: number, now: number): Auth0Log[] {
    this.flush(now);
    const key = normalizeId(from);
    let lo = 0;
    let hi = this.indexed.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.indexed[mid]!.log_id <= key) lo = mid + 1;
      else hi = mid;
    }
    const oldest = new Date(now - this.retentionMs).toISOString();
    const out: Auth0Log[] = [];
    for (let i = lo; i < this.indexed.length && out.length < take; i++) {
      const log = this.indexed[i]!;
      if (log.date >= oldest) out.push(log);
    }
    return out;
  }

  byId(id: string, now: number): Auth0Log | undefined {
    return this.visible(now).find((l) => l.log_id === id);
  }

  /** Search mode: `q` (Lucene, the subset below), `sort`, `page`/`per_page`, capped at 1,000 results. */
  search(
    query: { q?: string; sort?: string; page: number; perPage: number },
    now: number,
  ): Auth0Log[] {
    if ((query.page + 1) * query.perPage > OFFSET_CAP && query.perPage > 0)
      throw Auth0Error.of(
        400,
        `You can only page through the first ${OFFSET_CAP} records. Use checkpoint pagination (from and take) to read further.`,
        'invalid_paging',
      );
    const match = query.q ? luceneMatcher(query.q) : () => true;
    const logs = this.visible(now).filter(match);
    const [field, direction] = (query.sort ?? 'log_id:-1').split(':');
    const key = field === 'date' ? 'date' : 'log_id';
    const sign = direction === '1' ? 1 : -1;
    logs.sort((a, b) => (a[key] < b[key] ? -sign : a[key] > b[key] ? sign : 0));
    return logs.slice(query.page * query.perPage, (query.page + 1) * query.perPage);
  }
}

/** A `from` of any length (a synthetic `900<stamp>000…`) compared as a 56-digit id. */
function normalizeId(id: string): string {
  if (!/^\d+$/.test(id))
    throw Auth0Error.of(400, 'Invalid value for from: must be a log_id.', 'invalid_query_string');
  return id.length >= ID_DIGITS ? id : id.padEnd(ID_DIGITS, '0');
}

/**
 * The part of Auth0's log search syntax clients use: `field:value`, `field:"value"`, `field:*x`
 * prefixes and `date:[A TO B]` ranges, joined by OR / AND (AND binds tighter).
 */
function luceneMatcher(q: string): (log: Auth0Log) => boolean {
  const ors = q.split(/\s+OR\s+/);
  const clauses = ors.map((part) =>
    part
      .split(/\s+AND\s+/)
      .map((term) => term.trim())
      .filter(Boolean)
      .map(termMatcher),
  );
  return (log) => clauses.some((all) => all.every((m) => m(log)));
}

function termMatcher(term: string): (log: Auth0Log) => boolean {
  const m = /^([a-z_]+):(.*)$/.exec(term.replace(/^\(|\)$/g, ''));
  if (!m)
    throw Auth0Error.of(
      400,
      `Query validation error: cannot parse "${term}".`,
      'invalid_query_string',
    );
  const field = m[1]!;
  let value = m[2]!;
  const range = /^\[(\S+) TO (\S+)\]$/.exec(value);
  if (range) {
    const [from, to] = [range[1]!, range[2]!];
    return (log) => {
      const v = String(log[field] ?? '');
      return (from === '*' || v >= from) && (to === '*' || v <= to);
    };
  }
  value = value.replace(/^"(.*)"$/, '$1');
  if (value.startsWith('*')) {
    const suffix = value.slice(1);
    return (log) => String(log[field] ?? '').endsWith(suffix);
  }
  return (log) => String(log[field] ?? '') === value;
}
