import { ConfigError } from '../../engine/config-error.js';
import {
  offlineSources,
  type EventSource,
  type Logger,
  type SnapshotSource,
  type WebhookReceiver,
} from '../../engine/ports.js';
import type { Spool } from '../../http/spool.js';
import type { HttpGet } from '../../http/get-json.js';
import { RateLimiter, type RateLimitWaits } from '../../http/rate-limiter.js';
import { auth0Api } from './http.js';
import { Auth0LogsReader } from './logs-reader.js';
import { Auth0EventStreamReceiver, type StreamCredential } from './event-stream-receiver.js';
import { auth0Connection, auth0RequestsPerMinute, eventStreamCredential } from './settings.js';
import type { SyncStore } from '../../engine/store.js';
import { Auth0StateImporter } from './state-importer.js';
import { Auth0Tokens } from './token.js';

/** What the library's options say of Auth0 (each falls back to the environment). */
export interface Auth0Options {
  /** Default: `AUTH0_DOMAIN`. */
  domain?: string;
  /** Default: `AUTH0_CLIENT_ID`. */
  clientId?: string;
  /** Default: `AUTH0_CLIENT_SECRET`. */
  clientSecret?: string;
  /** A Management API token instead of client credentials (default: `AUTH0_TOKEN`). */
  token?: string;
  /** Attempts per API request before a step fails (default 10). */
  maxAttempts?: number;
  /**
   * The longest wait between two attempts (default 30,000 ms): waits double from 250 ms, with
   * jitter, after each 5xx, reset or bad body in a row.
   */
  maxRetryDelayMs?: number;
  /**
   * Client-side request budget shared by all reads, a token bucket (default 100 per 60 s with a
   * burst of 10: the self-service plans' limit on `GET /logs`, the tightest that applies).
   */
  rateLimit?: { requests: number; windowMs: number; burst?: number };
  /** The header Event Streams deliveries must carry (default: from `AUTH0_EVENT_STREAM_*`). */
  eventStream?: StreamCredential;
}

/** The settings that turn Event Streams deliveries on (for messages). */
export const AUTH0_WEBHOOK_SETTING =
  'AUTH0_EVENT_STREAM_TOKEN (or AUTH0_EVENT_STREAM_BASIC, AUTH0_EVENT_STREAM_HEADER)';

/** An Auth0 tenant's logs (checkpoint) and state endpoints, from the options and environment. */
export function connectAuth0(
  options: Auth0Options & { offline?: boolean },
  context: {
    env: Record<string, string | undefined>;
    logger: Logger;
    store: SyncStore;
    clock: () => number;
    httpGet?: HttpGet;
    spool?: Spool;
  },
): {
  events: EventSource;
  snapshot: SnapshotSource;
  webhook: WebhookReceiver | null;
  origin?: string;
  rateLimitWaits?: RateLimitWaits;
} {
  const credential = options.eventStream ?? eventStreamCredential(context.env);
  const webhook = credential
    ? new Auth0EventStreamReceiver({ store: context.store, credential, clock: context.clock })
    : null;
  if (options.offline)
    return {
      ...offlineSources(
        () => new ConfigError('This command works offline and does not read from Auth0.'),
      ),
      webhook,
    };
  const connection = auth0Connection(options, context.env);
  const tokens = new Auth0Tokens(connection, { clock: context.clock });
  const requests = options.rateLimit?.requests ?? auth0RequestsPerMinute(context.env) ?? 100;
  const windowMs = options.rateLimit?.windowMs ?? 60_000;
  const limiter = new RateLimiter(requests, windowMs, Date.now, options.rateLimit?.burst ?? 10);
  const http = auth0Api({
    origin: connection.origin,
    tokens,
    logger: context.logger,
    get: context.httpGet,
    maxAttempts: options.maxAttempts,
    maxDelayMs: options.maxRetryDelayMs,
    limiter,
  });
  return {
    events: new Auth0LogsReader(http, {
      clock: context.clock,
      requestsPerSecond: (requests * 1000) / windowMs,
    }),
    snapshot: new Auth0StateImporter(http, { clock: context.clock, spool: context.spool }),
    webhook,
    origin: connection.origin,
    rateLimitWaits: () => limiter.waits(),
  };
}
