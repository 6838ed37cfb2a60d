import type { EffectHandler } from './engine/outbox.js';
import type { Checkpoint, EventSource, Logger, SnapshotSource } from './engine/ports.js';
import { silentLogger } from './engine/ports.js';
import type { Cursor } from './engine/store.js';
import { SyncEngine, type DrainResult, type Progress } from './engine/sync.js';
import { apiKey, apiUrl, ConfigError, DEFAULT_DATABASE_URL, sqlitePath } from './config.js';
import { project } from './projections/index.js';
import { snapshotChanges } from './projections/snapshot.js';
import { WorkOSEventsReader } from './sources/workos/events-reader.js';
import { WorkOSAuthError, type WorkOSHttpOptions } from './sources/workos/http.js';
import { RateLimiter } from './sources/workos/rate-limiter.js';
import { WorkOSStateImporter } from './sources/workos/state-importer.js';
import { SqliteStore } from './stores/sqlite/sqlite-store.js';

export interface CreateSyncOptions {
  /** Default: `WORKOS_API_KEY`. */
  apiKey?: string;
  /** Default: `WORKOS_API_URL`, else https://api.workos.com. */
  apiUrl?: string;
  /** A SQLite path or `file:` URL. Default: `DATABASE_URL`, else ./authsync.db. */
  databaseUrl?: string;
  /** See SyncEngineOptions.settleMs (default 5,000 ms). */
  settleMs?: number;
  /** Import current state from the list endpoints on a fresh database (default true). */
  importOnFirstRun?: boolean;
  /** Follow mode: how often to poll when idle (default 2,000 ms). */
  pollIntervalMs?: number;
  /** Attempts per API request before a step fails (default 10). */
  maxAttempts?: number;
  /** Parallel time slices when catching up a long backlog (default 8; 1 reads with one cursor). */
  readParallelism?: number;
  /** Client-side request budget shared by all reads (default 5,900 per 60 s, under WorkOS's 6,000). */
  rateLimit?: { requests: number; windowMs: number };
  logger?: Logger;
  onProgress?: (p: Progress) => void;
  /** Test hook: called at each step boundary (crash injection). */
  checkpoint?: (name: Checkpoint) => void;
  env?: Record<string, string | undefined>;
  /**
   * For work on the database alone (migrate, status, dead letters): no API key is needed, and
   * reading from WorkOS fails with a clear error.
   */
  offline?: boolean;
}

/**
 * authsync as a library: `createSync({...}).on('user.created', handler)`, then `runOnce()`
 * (drain to the head) or `run(signal)` (keep following). Handlers run after the rows commit,
 * at least once per event id; never during replay or the first import.
 */
export class Sync {
  readonly store: SqliteStore;
  readonly engine: SyncEngine;
  private readonly log: Logger;
  private readonly pollIntervalMs: number;
  private migrated = false;
  private wakeUp: (() => void) | null = null;

  constructor(options: CreateSyncOptions = {}) {
    const env = options.env ?? process.env;
    this.log = options.logger ?? silentLogger;
    this.store = new SqliteStore(
      sqlitePath(options.databaseUrl ?? env.DATABASE_URL ?? DEFAULT_DATABASE_URL),
    );
    this.pollIntervalMs = options.pollIntervalMs ?? 2000;
    const sources = options.offline ? offlineSources() : workosSources(options, env, this.log);
    this.engine = new SyncEngine({
      store: this.store,
      ...sources,
      projector: { project, snapshotChanges },
      logger: this.log,
      settleMs: options.settleMs,
      importOnFirstRun: options.importOnFirstRun,
      readParallelism: options.readParallelism,
      onProgress: options.onProgress,
      checkpoint: options.checkpoint,
    });
  }

  on(type: string, handler: EffectHandler): this {
    this.engine.on(type, handler);
    return this;
  }

  async migrate(): Promise<void> {
    if (this.migrated) return;
    await this.store.migrate();
    this.migrated = true;
  }

  /** Drains the stream to its head (importing first on a fresh database). */
  async runOnce(signal?: AbortSignal): Promise<DrainResult> {
    await this.migrate();
    try {
      const result = await this.engine.drain(signal);
      await this.store.setState('last_error', null);
      await this.store.setState('last_success_at', new Date().toISOString());
      return result;
    } catch (error) {
      if (!signal?.aborted)
        await this.store.setState(
          'last_error',
          `${new Date().toISOString()} ${(error as Error).message}`,
        );
      throw error;
    }
  }

  /** Keeps following the stream until `signal` aborts. Stops on a rejected API key. */
  async run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        await this.runOnce(signal);
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof WorkOSAuthError) throw error;
        failures++;
        this.log.error('sync step failed; will retry', {
          error: (error as Error).message,
          failures,
        });
      }
      const wait = failures === 0 ? this.pollIntervalMs : Math.min(60_000, 1000 * 2 ** failures);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
        signal.addEventListener('abort', () => this.wakeUp?.(), { once: true });
      });
      this.wakeUp = null;
    }
  }

  /** Polls now instead of at the next interval (a webhook rang). */
  wake(): void {
    this.wakeUp?.();
  }

  /** Re-reads events from an ISO time or an event id and re-applies them; effects do not run. */
  async replay(since: string, signal?: AbortSignal): Promise<{ reapplied: number }> {
    await this.migrate();
    let cursor: Cursor;
    if (since.startsWith('event_')) {
      const stored = await this.store.inboxEvent(since);
      // From the event itself when we know its time; otherwise from just after it.
      cursor = stored?.createdAt
        ? { after: null, rangeStart: stored.createdAt }
        : { after: since, rangeStart: null };
    } else {
      const ms = Date.parse(since);
      if (Number.isNaN(ms))
        throw new Error(
          `--since must be an ISO-8601 time or an event id (got ${JSON.stringify(since)}).`,
        );
      cursor = { after: null, rangeStart: new Date(ms).toISOString() };
    }
    return this.engine.replay(cursor, signal);
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}

/** The WorkOS Events API and list endpoints, configured (and validated) from options and environment. */
function workosSources(
  options: CreateSyncOptions,
  env: Record<string, string | undefined>,
  logger: Logger,
): { events: EventSource; snapshot: SnapshotSource } {
  const http: WorkOSHttpOptions = {
    apiUrl: apiUrl(options.apiUrl ?? env.WORKOS_API_URL),
    apiKey: apiKey(options.apiKey ?? env.WORKOS_API_KEY),
    logger,
    maxAttempts: options.maxAttempts,
    limiter: new RateLimiter(
      options.rateLimit?.requests ?? 5900,
      options.rateLimit?.windowMs ?? 60_000,
    ),
  };
  return { events: new WorkOSEventsReader(http), snapshot: new WorkOSStateImporter(http) };
}

function offlineSources(): { events: EventSource; snapshot: SnapshotSource } {
  const refuse = (): never => {
    throw new ConfigError('This command works offline and does not read from WorkOS.');
  };
  return { events: { readPage: async () => refuse() }, snapshot: { snapshot: refuse } };
}

export function createSync(options: CreateSyncOptions = {}): Sync {
  return new Sync(options);
}
