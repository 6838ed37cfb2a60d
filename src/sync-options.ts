import type { Checkpoint, Logger, Spans } from './engine/ports.js';
import type { AppliedEvent, Progress } from './engine/sync.js';
import type { DestinationConfig, ForwardTarget } from './delivery/destination.js';
import type { DispatcherOptions } from './delivery/dispatcher.js';
import type { HttpPost, MakeSigner } from './delivery/send.js';
import type { HttpGet } from './http/get-json.js';
import type { WorkOSOptions } from './providers/workos/connect.js';
import type { Auth0Options } from './providers/auth0/connect.js';
import type { Hmac } from './providers/workos/webhook-verifier.js';
import type { SyncStore } from './engine/store.js';
import type { Spool } from './http/spool.js';

/** What a runtime gives a `Sync`: the store it opened, and its fastest HMAC and HTTP client where it has them. */
export interface SyncRuntime {
  store: SyncStore;
  /** HMAC-SHA256 for webhook signatures (default: Web Crypto). */
  hmac?: Hmac;
  /** Requests to the provider's API (default: `fetch`). */
  httpGet?: HttpGet;
  /** Where a download (a user export file) is held while it is read (default: in memory). */
  spool?: Spool;
  /** Deliveries' POSTs (default: `fetch`). */
  httpPost?: HttpPost;
  /** Deliveries' signatures (default: the `standardwebhooks` library). */
  signer?: MakeSigner;
}

export interface CreateSyncOptions extends WorkOSOptions {
  /** The identity provider this source reads. Default: `AUTHSYNC_PROVIDER`, else `workos`. */
  provider?: 'workos' | 'auth0';
  /** Auth0's settings (each falls back to the environment: `AUTH0_DOMAIN`, ...). */
  auth0?: Auth0Options;
  /**
   * This source's id: its cursor, state, reader lease and webhook route, so that several
   * sources share one database. Default: `AUTHSYNC_SOURCE_ID`, else the provider's name.
   */
  sourceId?: string;
  /** A SQLite path or `file:` URL, or a `postgres://` URL. Default: `DATABASE_URL`, else ./authsync.db. */
  databaseUrl?: string;
  /** PostgreSQL only: the schema of the tables. Default: `DATABASE_SCHEMA`, else `public`. */
  schema?: string;
  /** See SyncEngineOptions.settleMs (default 5,000 ms). */
  settleMs?: number;
  /** Import current state from the list endpoints on a fresh database (default true). */
  importOnFirstRun?: boolean;
  /** Follow mode: how often to poll when idle (default 2,000 ms). */
  pollIntervalMs?: number;
  /**
   * Requests in flight when catching up a long backlog in time slices (default 12; 1 reads with
   * one cursor).
   */
  readParallelism?: number;
  /**
   * PostgreSQL: spread applying over every process on the database (pg-boss jobs per
   * organization, in order) instead of doing it in the reader. Used by `run` (following).
   */
  distribute?: boolean;
  /** Distributed work: jobs (lanes) this process fetches and applies at once (default 16). */
  workConcurrency?: number;
  /**
   * Distributed work: a job (or effect) a dead process held is taken up by another after this
   * many seconds (default 60; longer than any job takes).
   */
  workExpireSeconds?: number;
  /**
   * PostgreSQL, several processes: a reader that stops without dying (stopped, paused, its host
   * cut off) loses the reader role after this long, and another process reads (default 60,000
   * ms; PostgreSQL 14 or later, where older servers end the role only with its connection).
   */
  readerTimeoutMs?: number;
  /** Events per commit while catching up (default 1,000; see SyncEngineOptions.stageEvents). */
  stageEvents?: number;
  /**
   * A webhook-delivered event the Events API has not shown after this long is applied from the
   * inbox anyway (default 300,000 ms).
   */
  webhookGraceMs?: number;
  /**
   * Forward every event, once applied, to the application's own webhook endpoint, signed as
   * Standard Webhooks specifies (an effect: at least once, never on replay or the first import).
   * Default: `AUTHSYNC_FORWARD_URL` and `AUTHSYNC_FORWARD_SECRET`, when set.
   */
  forward?: ForwardTarget;
  /**
   * The application's endpoints every applied event is delivered to (signed, retried on a
   * schedule, in order per organization; see docs/delivery.md), beside `forward`'s.
   * Default: those of the JSON file `AUTHSYNC_DESTINATIONS_FILE` names (on Node).
   */
  destinations?: DestinationConfig[];
  logger?: Logger;
  onProgress?: (p: Progress) => void;
  /** Told of every delivery attempt (metrics). */
  onDeliveryAttempt?: DispatcherOptions['onAttempt'];
  /** Traces: a span per page read, commit, webhook and delivery attempt (Node: `OTEL_*`). */
  spans?: Spans;
  /** Told of every applied event once committed (metrics, latency measurements). */
  onApplied?: (events: readonly AppliedEvent[]) => void;
  /** The time in ms (default `Date.now`): settle window, webhook grace and signature ages. Tests pin it. */
  clock?: () => number;
  /**
   * The database is only read (`authsync status`): on SQLite, opened read-only (a file this
   * user cannot write is read as it is) and its migrations checked, never run.
   */
  readOnly?: boolean;
  /** Test hook: called at each step boundary (crash injection). */
  checkpoint?: (name: Checkpoint) => void;
  env?: Record<string, string | undefined>;
  /**
   * For work on the database alone (migrate, status, dead letters): no API key is needed, and
   * reading from WorkOS fails with a clear error.
   */
  offline?: boolean;
}
