import type { DestinationStatus } from './delivery/destination-status.js';
import type { LaneBacklog, StoreStatus, SyncStore } from './engine/store.js';
import type { KindTotal } from './engine/sync.js';

/** What `authsync status --json` prints and the Worker's `GET /status` answers. */
export interface StatusReport {
  /** The source this report is about (its cursor, state, reader, and its provider's tables); the inbox is the database's. */
  source: string;
  cursor: StoreStatus['cursor'];
  lastEventAt: string | null;
  /** Now minus the newest applied event's time. */
  lagSeconds: number | null;
  rows: Record<string, number>;
  inbox: Record<string, number>;
  deadLetters: number;
  lastError: string | null;
  lastSuccessAt: string | null;
  importedAt: string | null;
  /** Where several processes share the database (PostgreSQL): who works on it, who reads. */
  processes: { name: string; reader: boolean; since: string }[] | null;
  /** The lanes with the most events not yet applied (behind a dead letter, or queued for a process). */
  laneBacklog: LaneBacklog[];
  retention: Retention;
  /**
   * Long work going on now, as the process doing it last wrote it (at most 30 s ago): phase,
   * count, rate, how far behind the head, time waited for the rate budget.
   */
  progress?: RunningProgress | null;
  /** The application's destinations: backlog and health (the database's, shared by sources). */
  destinations?: DestinationStatus[];
}

/**
 * The retention guard: how long ago the cursor last reached the head (`cursorAgeSeconds`; the
 * first import's time before any run has; null before either), against how long the provider
 * keeps events. `atRisk` from `warnAfterSeconds` on: events older than the retention are gone
 * for good, and `authsync reimport` is the way back.
 */
export interface Retention {
  days: number;
  warnAfterSeconds: number;
  cursorAgeSeconds: number | null;
  atRisk: boolean;
}

/** The retention guard's figures from the state a source keeps. */
export function retentionOf(
  state: { last_success_at?: string; imported_at?: string },
  settings: { days: number; warnAfterSeconds: number },
  nowMs: number,
): Retention {
  const at = [state.last_success_at, state.imported_at]
    .map((t) => (t ? Date.parse(t) : NaN))
    .find((t) => Number.isFinite(t));
  const cursorAgeSeconds = at === undefined ? null : Math.max(0, (nowMs - at) / 1000);
  return {
    ...settings,
    cursorAgeSeconds,
    atRisk: cursorAgeSeconds !== null && cursorAgeSeconds >= settings.warnAfterSeconds,
  };
}

export async function statusReport(
  store: SyncStore,
  retention: { days: number; warnAfterSeconds: number },
  nowMs = Date.now(),
  /** The tables to count (default: every table). */
  tables?: readonly string[],
): Promise<StatusReport> {
  const s = await store.status();
  const rows = tables
    ? Object.fromEntries(Object.entries(s.rows).filter(([name]) => tables.includes(name)))
    : s.rows;
  return {
    source: store.source.id,
    cursor: s.cursor,
    lastEventAt: s.lastEventAt,
    lagSeconds: s.lastEventAt ? (nowMs - Date.parse(s.lastEventAt)) / 1000 : null,
    rows,
    inbox: s.inbox,
    deadLetters: s.deadLetters,
    lastError: s.state.last_error ?? null,
    lastSuccessAt: s.state.last_success_at ?? null,
    importedAt: s.state.imported_at ?? null,
    processes: (await store.processes?.()) ?? null,
    laneBacklog: await store.laneBacklog(10),
    retention: retentionOf(s.state, retention, nowMs),
    progress: runningProgress(s.state.progress, nowMs),
  };
}

/** What a running sync writes of its progress (state `progress`, every few seconds). */
export interface RunningProgress {
  phase: string;
  count: number;
  /** Per second since the phase began. */
  rate: number;
  startedAt: string;
  /** Reading events: the newest applied, and how far behind now (s). */
  lastEventAt?: string;
  behindSeconds?: number;
  rateLimitWaitSeconds: number;
  /** First import: the kinds whose total the provider gave. */
  totals?: Record<string, KindTotal>;
  /** When this was written. */
  at: string;
}

/** "users 1,200 of 5,000, roles 12 of 12": the kinds whose total is known. */
export function totalsText(totals: Record<string, KindTotal> | undefined): string | null {
  const known = Object.entries(totals ?? {});
  if (known.length === 0) return null;
  const n = (x: number) => x.toLocaleString('en-US');
  return known.map(([kind, t]) => `${kind}s ${n(t.done)} of ${n(t.total)}`).join(', ');
}

/** Progress written less than 30 s ago (older: the work ended or its process is gone). */
function runningProgress(value: string | undefined, nowMs: number): RunningProgress | null {
  if (!value) return null;
  try {
    const p = JSON.parse(value) as RunningProgress;
    if (nowMs - Date.parse(p.at) > 30_000) return null;
    return p.lastEventAt
      ? { ...p, behindSeconds: Math.max(0, (nowMs - Date.parse(p.lastEventAt)) / 1000) }
      : p;
  } catch {
    return null;
  }
}

/** A duration as people say it: 45 s, 12 min, 3 h 20 min, 4 days. */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 90) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 90) return `${min} min`;
  if (min < 2880) return `${Math.floor(min / 60)} h ${min % 60} min`;
  return `${Math.round(min / 1440)} days`;
}

/** A running sync's progress as `status` prints it. */
export function progressText(p: RunningProgress): string {
  const parts = [
    `${p.phase}: ${p.count.toLocaleString('en-US')} (${p.rate.toLocaleString('en-US')}/s)`,
  ];
  const ofTotals = totalsText(p.totals);
  if (ofTotals) parts.push(ofTotals);
  if (p.behindSeconds !== undefined && p.behindSeconds > 60)
    parts.push(`${duration(p.behindSeconds * 1000)} behind`);
  if (p.rateLimitWaitSeconds > 0)
    parts.push(`${duration(p.rateLimitWaitSeconds * 1000)} waited for the rate budget`);
  return `${parts.join(', ')} (as of ${p.at})`;
}
