import { Hono, type Context } from 'hono';
import {
  ConfigError,
  configuredSources,
  DEFAULT_RECONCILE_EVERY_S,
  sourceIdentity,
  type Environment,
  type SourceSetting,
} from '../../config.js';
import { PROVIDERS } from '../../providers.js';
import type { HandlerOptions } from '../../delivery/destination.js';
import type { EffectHandler } from '../../engine/deliveries.js';
import type { Logger } from '../../engine/ports.js';
import { sleep } from '../../engine/sleep.js';
import { ConcurrentRunError } from '../../engine/store.js';
import { memorySpool } from '../../http/spool.js';
import type { DrainResult } from '../../engine/sync.js';
import { D1Store } from '../../stores/d1/d1-store.js';
import { SQLITE_SCHEMA } from '../../schema/index.js';
import type { D1Database } from '../../stores/d1/d1-types.js';
import { Sync } from '../../sync.js';
import { failedDeliveries, performAction } from '../http/status-actions.js';
import { mountStatusRoute } from '../http/status-route.js';
import { mountWebhookRoute } from '../http/webhook-route.js';

/** The most of a user export a Worker holds (its isolate has 128 MB in all). */
const WORKER_SPOOL_BYTES = 48 * 1024 * 1024;

/**
 * Bindings and vars the Worker reads (secrets: WORKOS_API_KEY, WORKOS_WEBHOOK_SECRET,
 * AUTHSYNC_FORWARD_SECRET, AUTHSYNC_STATUS_PASSWORD).
 */
export interface AuthsyncWorkerEnv {
  DB: D1Database;
  WORKOS_API_KEY?: string;
  WORKOS_API_URL?: string;
  /** Comma-separated while rotating. */
  WORKOS_WEBHOOK_SECRET?: string;
  /** Milliseconds one run may spend draining (default 25,000). */
  AUTHSYNC_RUN_BUDGET_MS?: string;
  /**
   * Seconds between reconciliations (default 21,600; 0: never): a run whose source is due
   * reconciles after draining, within its budget.
   */
  AUTHSYNC_RECONCILE_EVERY_S?: string;
  /** See CreateSyncOptions.settleMs. */
  AUTHSYNC_SETTLE_MS?: string;
  /** See CreateSyncOptions.webhookGraceMs. */
  AUTHSYNC_WEBHOOK_GRACE_MS?: string;
  /** Forward each event to this endpoint, signed with AUTHSYNC_FORWARD_SECRET (see CreateSyncOptions.forward). */
  AUTHSYNC_FORWARD_URL?: string;
  AUTHSYNC_FORWARD_SECRET?: string;
  /** Comma-separated event types or prefixes (`user.*`) to forward; default all. */
  AUTHSYNC_FORWARD_EVENTS?: string;
  /**
   * More destinations, as a JSON list (see docs/delivery.md): each run makes the deliveries due
   * within its budget; retries wait for a later run.
   */
  AUTHSYNC_DESTINATIONS?: string;
  /** Opens `GET /status` (HTTP Basic, user `authsync`); without it the page is off. */
  AUTHSYNC_STATUS_PASSWORD?: string;
  /** This source's id (default: the provider's name): its cursor and state in a D1 database shared with other sources. */
  AUTHSYNC_SOURCE_ID?: string;
  /**
   * Several sources in one Worker (`workos,auth0`, or `id:provider` entries), each reading
   * `<ID>__NAME` before `NAME` (see the README).
   */
  AUTHSYNC_SOURCES?: string;
  /** `workos` (the default) or `auth0`. */
  AUTHSYNC_PROVIDER?: string;
  AUTH0_DOMAIN?: string;
  AUTH0_CLIENT_ID?: string;
  AUTH0_CLIENT_SECRET?: string;
  /** Event Streams deliveries' authorization (one of the three; see the README). */
  AUTH0_EVENT_STREAM_TOKEN?: string;
  AUTH0_EVENT_STREAM_BASIC?: string;
  AUTH0_EVENT_STREAM_HEADER?: string;
}

/** The part of Workers' ExecutionContext used here. */
export interface WorkerContext {
  waitUntil(promise: Promise<unknown>): void;
}
/** The part of Workers' ScheduledController used here. */
export interface ScheduledEvent {
  cron: string;
  scheduledTime: number;
}

export interface WorkerOptions {
  /**
   * Handlers by event type (`*` for all), each a destination of its own (`Sync.on`): called
   * after the rows commit, at least once per event, in order per organization.
   */
  on?: Record<string, EffectHandler | EffectHandler[]>;
  /** How every handler of `on` is delivered to (timeout, retry schedule, ...). */
  handlerOptions?: Omit<HandlerOptions, 'name'>;
  logger?: Logger;
  /** Default: AUTHSYNC_RUN_BUDGET_MS, else 25,000 ms. */
  budgetMs?: number;
}

/** What one run did, as logged and as `POST /run` answers. */
export interface RunReport extends Partial<DrainResult> {
  /** With several sources: what the run did for each (the fields above are their sums). */
  sources?: (RunReport & { source: string })[];
  durationMs: number;
  /** Stopped at its time budget; the next run continues from the committed cursor. */
  stoppedAtBudget: boolean;
  /** Another run was ahead (overlapping runs): this one stopped. */
  yielded: boolean;
  appliedFromWebhooks: number;
  /** Rows this run's reconciliation repaired, when one was due. */
  reconciled?: { objects: number; missing: number; stale: number; deleted: number };
  error?: string;
}

/** JSON lines on the Worker's log (never a secret: only messages and counts). */
const consoleLogger: Logger = {
  info: (message, fields) => console.log(JSON.stringify({ level: 'info', message, ...fields })),
  warn: (message, fields) => console.warn(JSON.stringify({ level: 'warn', message, ...fields })),
  error: (message, fields) => console.error(JSON.stringify({ level: 'error', message, ...fields })),
};

const numberVar = (
  value: string | undefined,
  name: string,
  unit = 'milliseconds',
): number | undefined => {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new ConfigError(`${name} must be a number of ${unit}.`);
  return n;
};

/**
 * authsync as a Cloudflare Worker writing to D1: the same engine as on Node.
 * - `scheduled` (cron) drains the stream for up to the run budget, committing page by page; the
 *   next run picks up from the committed cursor. It also applies webhook events the API has not
 *   shown within the grace period.
 * - `fetch`: `POST /webhooks/<source>` (verified with Web Crypto, stored, then that source is
 *   pulled at once through `waitUntil`), `GET /healthz`, `GET /status` (the status page, or its JSON;
 *   off until AUTHSYNC_STATUS_PASSWORD is set).
 */
export function createWorker(options: WorkerOptions = {}) {
  const log = options.logger ?? consoleLogger;

  const sourcesOf = (env: AuthsyncWorkerEnv): SourceSetting[] =>
    configuredSources(env as unknown as Environment);

  const open = (
    env: AuthsyncWorkerEnv,
    source: SourceSetting,
    onApplied?: (n: number) => void,
  ): Sync => {
    if (!env.DB)
      throw new ConfigError('The Worker has no D1 binding named DB (see wrangler.toml).');
    const sync = new Sync(
      {
        env: source.env,
        sourceId: source.id,
        provider: source.provider,
        logger: log,
        onApplied: onApplied && ((events) => onApplied(events.length)),
        settleMs: numberVar(env.AUTHSYNC_SETTLE_MS, 'AUTHSYNC_SETTLE_MS'),
        webhookGraceMs: numberVar(env.AUTHSYNC_WEBHOOK_GRACE_MS, 'AUTHSYNC_WEBHOOK_GRACE_MS'),
        // Workers allow six connections open at once.
        readParallelism: 6,
        // One page per D1 batch: "committed page by page".
        stageEvents: 100,
      },
      {
        store: new D1Store(env.DB, {
          storeSchema: SQLITE_SCHEMA,
          source: sourceIdentity(source.id, PROVIDERS[source.provider]),
        }),
        // An isolate has 128 MB: a larger user export would end it without a word.
        spool: memorySpool(
          WORKER_SPOOL_BYTES,
          ' of a Worker; reconcile this tenant from Node (`authsync reconcile`), which holds it in a file',
        ),
      },
    );
    for (const [type, handlers] of Object.entries(options.on ?? {}))
      for (const handler of [handlers].flat()) sync.on(type, handler, options.handlerOptions);
    return sync;
  };

  /** Every configured source, for work on the database alone (health, status). */
  const withAll = async <T>(env: AuthsyncWorkerEnv, work: (syncs: Sync[]) => Promise<T>) => {
    const syncs = sourcesOf(env).map((source) => open(env, source));
    try {
      await syncs[0]!.migrate();
      return await work(syncs);
    } finally {
      await Promise.all(syncs.map((sync) => sync.close()));
    }
  };

  /** One source's drain and webhook sweep, within the run's signal. */
  const runSource = async (
    env: AuthsyncWorkerEnv,
    source: SourceSetting,
    signal: AbortSignal,
  ): Promise<RunReport> => {
    const started = Date.now();
    const report: RunReport = {
      applied: 0,
      durationMs: 0,
      stoppedAtBudget: false,
      yielded: false,
      appliedFromWebhooks: 0,
    };
    // Counted as commits land, so a run stopped by its budget still reports what it applied.
    let committed = 0;
    let sync: Sync;
    try {
      sync = open(env, source, (n) => (committed += n));
    } catch (error) {
      // A configuration the Worker cannot run with: said in its log, not as a bare exception.
      report.error = (error as Error).message;
      log.error('run failed: the configuration is not usable', {
        source: source.id,
        error: report.error,
      });
      return report;
    }
    try {
      Object.assign(report, await sync.runOnce(signal));
      report.appliedFromWebhooks = await sync.applyOverdueWebhookEvents();
      const everyS =
        numberVar(env.AUTHSYNC_RECONCILE_EVERY_S, 'AUTHSYNC_RECONCILE_EVERY_S', 'seconds') ??
        DEFAULT_RECONCILE_EVERY_S;
      const last = await sync.lastReconcileAtMs();
      if (everyS > 0 && (last === null || Date.now() - last >= everyS * 1000)) {
        // Not finished within the budget: the next run starts it again.
        const done = await sync.reconcile({ signal, windowMs: everyS * 1000 });
        report.reconciled = { objects: done.objects, ...done.totals };
        report.appliedFromWebhooks += done.events.appliedFromWebhooks;
      }
    } catch (error) {
      if (signal.aborted) report.stoppedAtBudget = true;
      else if (error instanceof ConcurrentRunError) report.yielded = true;
      else {
        report.error = (error as Error).message;
        log.error('run failed; the next run retries from the committed cursor', {
          source: source.id,
          error: report.error,
        });
      }
    } finally {
      await sync.close();
    }
    report.applied = committed - report.appliedFromWebhooks;
    report.durationMs = Date.now() - started;
    return report;
  };

  /** A run: every configured source (or the one named) at once, within one budget. */
  const run = async (
    env: AuthsyncWorkerEnv,
    budgetMs?: number,
    only?: string,
  ): Promise<RunReport> => {
    const started = Date.now();
    let sources: SourceSetting[];
    try {
      sources = sourcesOf(env).filter((s) => only === undefined || s.id === only);
    } catch (error) {
      const report: RunReport = {
        applied: 0,
        durationMs: Date.now() - started,
        stoppedAtBudget: false,
        yielded: false,
        appliedFromWebhooks: 0,
        error: (error as Error).message,
      };
      log.error('run failed: the configuration is not usable', { error: report.error });
      log.info('run done', { ...report });
      return report;
    }
    const signal = AbortSignal.timeout(
      budgetMs ??
        options.budgetMs ??
        numberVar(env.AUTHSYNC_RUN_BUDGET_MS, 'AUTHSYNC_RUN_BUDGET_MS') ??
        25_000,
    );
    const each = await Promise.all(sources.map((source) => runSource(env, source, signal)));
    const report: RunReport =
      each.length === 1
        ? each[0]!
        : {
            applied: each.reduce((n, r) => n + (r.applied ?? 0), 0),
            durationMs: 0,
            stoppedAtBudget: each.some((r) => r.stoppedAtBudget),
            yielded: each.some((r) => r.yielded),
            appliedFromWebhooks: each.reduce((n, r) => n + r.appliedFromWebhooks, 0),
            ...(each.some((r) => r.error)
              ? {
                  error: each
                    .flatMap((r, i) => (r.error ? [`${sources[i]!.id}: ${r.error}`] : []))
                    .join('; '),
                }
              : {}),
            sources: each.map((r, i) => ({ source: sources[i]!.id, ...r })),
          };
    report.durationMs = Date.now() - started;
    log.info('run done', { ...report });
    return report;
  };

  /**
   * After a webhook: pull that source now, and again shortly while the event is still held
   * (the Events API shows events a little after their webhook), for at most ~8 s.
   */
  const pullAfterWebhook = async (
    env: AuthsyncWorkerEnv,
    source: SourceSetting,
    eventId: string,
  ): Promise<void> => {
    for (const wait of [0, 500, 1000, 2000, 4000]) {
      if (wait > 0) await sleep(wait);
      const report = await run(env, 10_000, source.id);
      if (report.error || report.yielded) return;
      const sync = open(env, source);
      const status = await sync.eventStatus(eventId).finally(() => sync.close());
      if (status !== 'held') return;
    }
  };

  type WorkerCtx = Context<{ Bindings: AuthsyncWorkerEnv }>;
  const app = new Hono<{ Bindings: AuthsyncWorkerEnv }>();
  mountWebhookRoute<WorkerCtx>(app as unknown as Hono, {
    sync: (c, sourceId) => {
      const source = sourcesOf(c.env).find((s) => s.id === sourceId);
      return source && open(c.env, source);
    },
    onStored: (outcome, c, sync) => {
      const source = sourcesOf(c.env).find((s) => s.id === sync.sourceId)!;
      if (!outcome.duplicate)
        c.executionCtx.waitUntil(pullAfterWebhook(c.env, source, outcome.eventId));
    },
  });
  app.get('/healthz', async (c) => {
    try {
      await withAll(c.env, (syncs) => Promise.all(syncs.map((sync) => sync.backlog())));
      return c.json({ status: 'ok' });
    } catch (error) {
      return c.json({ status: 'unavailable', problem: (error as Error).message }, 503);
    }
  });
  mountStatusRoute<WorkerCtx>(app as unknown as Hono, {
    password: (c) => c.env.AUTHSYNC_STATUS_PASSWORD,
    load: (c) =>
      withAll(c.env, (syncs) =>
        Promise.all(
          syncs.map(async (sync) => ({
            report: await sync.status(),
            deadLetters: await sync.deadLetters(),
          })),
        ),
      ),
    actions: {
      failedDeliveries: (c) => withAll(c.env, failedDeliveries),
      act: (c, action) => withAll(c.env, (syncs) => performAction(syncs, action)),
    },
  });
  app.notFound((c) => c.json({ error: 'Not found.' }, 404));
  app.onError((error, c) => {
    log.error('request failed', { path: c.req.path, error: error.message });
    const status = error instanceof ConfigError ? 503 : 500;
    return c.json({ error: status === 503 ? error.message : 'Internal error.' }, status);
  });

  return {
    fetch: (request: Request, env: AuthsyncWorkerEnv, ctx: WorkerContext) =>
      app.fetch(request, env, ctx as never),
    // The run is the handler's promise: the cron event lasts until it is done.
    scheduled: async (_event: ScheduledEvent, env: AuthsyncWorkerEnv): Promise<void> => {
      await run(env);
    },
    /** One run now, for tests and manual triggers from your own code. */
    run,
  };
}
