import type { SnapshotSource } from './engine/ports.js';
import { redactUrls } from './engine/redact.js';
import { doctorTestBody } from './engine/webhook-inbox.js';
import type { Sync } from './sync.js';

/** What a source offers `doctor` to check (`Sync.doctorParts`): reads only. */
export interface DoctorParts {
  /** One page of events after the stored cursor. */
  readEvents(limit: number): Promise<unknown[]>;
  snapshot: SnapshotSource;
  /** The API's origin, for its clock (none when offline). */
  origin: string | null;
  webhookSetting: string;
  /** The headers the provider would send with a body (none without a secret). */
  webhookTestHeaders: ((raw: Uint8Array, nowMs: number) => Promise<Record<string, string>>) | null;
  endpoints: { name: string; url: string; timeoutMs: number }[];
}

/** One check's outcome: `warn` is worth knowing and fails nothing; `fail` needs a fix. */
export interface Check {
  source: string | null;
  check: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

export interface DoctorOptions {
  clock?: () => number;
  /** How long the state lists are read for (first pages only; default 10 s). */
  stateBudgetMs?: number;
  /** A running `serve`, to send each source's webhook route a signed test delivery. */
  serveUrl?: string;
}

/** Clock skew the sync tolerates well (settle window, webhook timestamps within 180 s). */
const SKEW_WARN_S = 5;
const SKEW_FAIL_S = 60;
const TIMEOUT_MS = 10_000;

const message = (error: unknown) => redactUrls((error as Error).message ?? String(error));

/**
 * The checklist WorkOS's and Auth0's setup guides give, run against the configured sources and
 * database, reading only: the database is there and migrated; per source the API key is accepted
 * and events are visible, the state lists are readable (their first pages: the scopes first
 * import and reconciliation need), the clock agrees with the API's, the cursor is inside the
 * provider's retention, webhooks are set up; and each destination answers. One line per check.
 */
export async function runDoctor(
  syncs: readonly Sync[],
  options: DoctorOptions = {},
): Promise<Check[]> {
  const clock = options.clock ?? Date.now;
  const checks: Check[] = [];
  const add = (c: Check) => checks.push(c);
  try {
    // Read-only: an old schema is named, never migrated.
    await syncs[0]!.migrate();
    add({ source: null, check: 'database', status: 'ok', detail: 'reachable and migrated' });
    const server = await syncs[0]!.store.serverVersion?.().catch(() => undefined);
    if (server && Number.isInteger(server.version)) add(serverCheck(server));
  } catch (error) {
    add({
      source: null,
      check: 'database',
      status: 'fail',
      detail: message(error),
      fix: 'check DATABASE_URL; `authsync migrate` brings an older schema up to date',
    });
    return checks;
  }
  for (const sync of syncs) {
    const parts = sync.doctorParts();
    const source = sync.sourceId;
    add(await eventsCheck(source, parts));
    add(await stateCheck(source, parts, options.stateBudgetMs ?? 10_000));
    if (parts.origin) add(await clockCheck(source, parts.origin, clock));
    add(await retentionCheck(sync));
    add(await webhookCheck(source, parts, options.serveUrl, clock));
  }
  const seen = new Set<string>();
  for (const endpoint of syncs.flatMap((s) => s.doctorParts().endpoints))
    if (!seen.has(endpoint.name) && seen.add(endpoint.name)) add(await endpointCheck(endpoint));
  return checks;
}

async function eventsCheck(source: string, parts: DoctorParts): Promise<Check> {
  try {
    const page = await parts.readEvents(10);
    return {
      source,
      check: 'api key',
      status: 'ok',
      detail: `accepted; ${page.length === 0 ? 'no event' : `${page.length}${page.length === 10 ? '+' : ''} event(s)`} after the cursor`,
    };
  } catch (error) {
    return {
      source,
      check: 'api key',
      status: 'fail',
      detail: message(error),
      fix: 'set the API key (and URL) the message names; it needs read access to events',
    };
  }
}

/** The first pages of the state lists, for the time given: the scopes an import needs. */
async function stateCheck(source: string, parts: DoctorParts, budgetMs: number): Promise<Check> {
  const kinds = new Map<string, number>();
  const signal = AbortSignal.timeout(budgetMs);
  try {
    for await (const page of parts.snapshot.snapshot(signal)) {
      for (const item of page.items) kinds.set(item.kind, (kinds.get(item.kind) ?? 0) + 1);
      if (signal.aborted) break;
    }
  } catch (error) {
    if (!signal.aborted)
      return {
        source,
        check: 'state lists',
        status: 'fail',
        detail: message(error),
        fix: 'give the key the read scopes the message names (first import and reconciliation need them)',
      };
  }
  const read = [...kinds].map(([kind, n]) => `${kind} ${n}`).join(', ') || 'nothing yet';
  return {
    source,
    check: 'state lists',
    status: 'ok',
    detail: `readable (${signal.aborted ? `first ${budgetMs / 1000} s` : 'all'}: ${read})`,
  };
}

/** The secret is set; with a `serve` URL, a delivery signed with it is accepted there. */
async function webhookCheck(
  source: string,
  parts: DoctorParts,
  serveUrl: string | undefined,
  clock: () => number,
): Promise<Check> {
  const check = 'webhooks';
  if (!parts.webhookTestHeaders)
    return {
      source,
      check,
      status: 'warn',
      detail: `${parts.webhookSetting} is not set: webhooks are refused, changes arrive by polling alone`,
      fix: `set ${parts.webhookSetting} to the secret the provider's dashboard shows`,
    };
  if (!serveUrl)
    return {
      source,
      check,
      status: 'ok',
      detail: `${parts.webhookSetting} is set (give --serve-url to send a running serve a signed test delivery)`,
    };
  const url = `${serveUrl}/webhooks/${encodeURIComponent(source)}`;
  const fix = `run \`authsync serve\` at ${serveUrl} with the same ${parts.webhookSetting}, reachable from here`;
  try {
    const body = doctorTestBody(crypto.randomUUID());
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(await parts.webhookTestHeaders(body, clock())),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const answer = (await response.json().catch(() => null)) as {
      test?: boolean;
      error?: string;
    } | null;
    if (response.status === 200 && answer?.test === true)
      return {
        source,
        check,
        status: 'ok',
        detail: `a signed test delivery to ${url} was accepted`,
      };
    return {
      source,
      check,
      status: 'fail',
      detail: `${url} answered ${response.status} to a signed test delivery${answer?.error ? `: ${answer.error.slice(0, 200)}` : ''}`,
      fix,
    };
  } catch (error) {
    return { source, check, status: 'fail', detail: `${url}: ${message(error)}`, fix };
  }
}

async function clockCheck(source: string, origin: string, clock: () => number): Promise<Check> {
  try {
    const sent = clock();
    const response = await fetch(origin, {
      method: 'HEAD',
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const date = response.headers.get('date');
    const theirs = date ? Date.parse(date) : NaN;
    if (!Number.isFinite(theirs))
      return { source, check: 'clock', status: 'warn', detail: 'the API sent no Date header' };
    // The header has whole seconds: half the round trip and up to a second are noise.
    const skew = (clock() + sent) / 2 - theirs;
    const seconds = Math.abs(skew) / 1000;
    const detail = `${seconds < 1.5 ? 'within a second of' : `${seconds.toFixed(0)} s ${skew > 0 ? 'ahead of' : 'behind'}`} the API's clock`;
    if (seconds < SKEW_WARN_S) return { source, check: 'clock', status: 'ok', detail };
    return {
      source,
      check: 'clock',
      status: seconds < SKEW_FAIL_S ? 'warn' : 'fail',
      detail,
      fix: 'synchronise this machine’s clock (NTP): the settle window and webhook timestamps assume it',
    };
  } catch (error) {
    return { source, check: 'clock', status: 'warn', detail: `could not ask: ${message(error)}` };
  }
}

/**
 * PostgreSQL before 14 cannot end an idle session (`idle_session_timeout`): with several
 * processes, a reader stopped without dying (SIGSTOP, a paused VM, a host cut off) keeps the
 * reader role until the server's TCP keepalive ends its connection, two hours by default.
 */
export function serverCheck(server: { name: string; version: number }): Check {
  const major = Math.floor(server.version / 10_000);
  // 150004 is 15.4; before 10 there were three parts (90624 is 9.6.24).
  const minor =
    major >= 10
      ? `${server.version % 10_000}`
      : `${Math.floor(server.version / 100) % 100}.${server.version % 100}`;
  const detail = `${server.name} ${major}.${minor}`;
  if (server.name !== 'PostgreSQL' || major >= 14)
    return { source: null, check: 'database server', status: 'ok', detail };
  return {
    source: null,
    check: 'database server',
    status: 'warn',
    detail: `${detail}: before 14 a reader process stopped without dying keeps the reader role until TCP keepalive ends its connection (2 h by default); one process is not affected`,
    fix: 'upgrade to PostgreSQL 14 or later, or lower the server’s tcp_keepalives_idle',
  };
}

async function retentionCheck(sync: Sync): Promise<Check> {
  const r = await sync.retention();
  const source = sync.sourceId;
  if (r.cursorAgeSeconds === null)
    return {
      source,
      check: 'retention',
      status: 'ok',
      detail: `not synced yet; the provider keeps ${r.days} days of events`,
    };
  const hours = (r.cursorAgeSeconds / 3600).toFixed(1);
  return r.atRisk
    ? {
        source,
        check: 'retention',
        status: 'fail',
        detail: `last at the head ${hours} h ago, of the ${r.days} days the provider keeps events`,
        fix: 'catch up now (`authsync sync --once`); once events are lost, `authsync reimport`',
      }
    : {
        source,
        check: 'retention',
        status: 'ok',
        detail: `last at the head ${hours} h ago, of the ${r.days} days the provider keeps events`,
      };
}

/** Any HTTP answer means the endpoint is there (a GET, not a delivery: nothing is sent to it). */
async function endpointCheck(endpoint: DoctorParts['endpoints'][number]): Promise<Check> {
  const check = `destination ${endpoint.name}`;
  try {
    const response = await fetch(endpoint.url, {
      method: 'GET',
      redirect: 'manual',
      signal: AbortSignal.timeout(Math.min(endpoint.timeoutMs, TIMEOUT_MS)),
    });
    await response.body?.cancel();
    return {
      source: null,
      check,
      status: 'ok',
      detail: `answers (HTTP ${response.status} to a GET)`,
    };
  } catch (error) {
    const e = error as Error & { cause?: Error };
    return {
      source: null,
      check,
      status: 'fail',
      detail: `does not answer: ${redactUrls(e.name === 'TimeoutError' ? 'no answer in time' : (e.cause?.message ?? e.message))}`,
      fix: 'check the destination’s URL and that the application runs; deliveries wait meanwhile',
    };
  }
}
