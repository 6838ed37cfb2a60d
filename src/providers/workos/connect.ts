import { ConfigError } from '../../engine/config-error.js';
import {
  offlineSources,
  type EventSource,
  type Logger,
  type SnapshotSource,
  type WebhookReceiver,
} from '../../engine/ports.js';
import type { SyncStore } from '../../engine/store.js';
import type { HttpGet } from '../../http/get-json.js';
import type { Spool } from '../../http/spool.js';
import { RateLimiter, type RateLimitWaits } from '../../http/rate-limiter.js';
import { WorkOSEventsReader } from './events-reader.js';
import { workosApi } from './http.js';
import { workosConnection, workosWebhookSecrets } from './settings.js';
import { WorkOSStateImporter } from './state-importer.js';
import { WorkOSWebhookReceiver } from './webhook-receiver.js';
import { WorkOSWebhookVerifier, type Hmac } from './webhook-verifier.js';

/** What the library's options say of WorkOS (each falls back to the environment). */
export interface WorkOSOptions {
  /** Default: `WORKOS_API_KEY`. */
  apiKey?: string;
  /** Default: `WORKOS_API_URL`, else https://api.workos.com. */
  apiUrl?: string;
  /** Attempts per API request before a step fails (default 10; any provider's, unless set for it). */
  maxAttempts?: number;
  /**
   * The longest wait between two attempts (default 30,000 ms): waits double from 250 ms, with
   * jitter, after each 5xx, reset or bad body in a row (any provider's, unless set for it).
   */
  maxRetryDelayMs?: number;
  /** Client-side request budget shared by all reads (default 5,900 per 60 s, under WorkOS's 6,000). */
  rateLimit?: { requests: number; windowMs: number };
  /** Default: `WORKOS_WEBHOOK_SECRET`, comma-separated. Without one, webhooks are refused. */
  webhookSecrets?: string[];
  /** Accept webhook signatures at most this old or this far ahead (default 180,000 ms). */
  webhookToleranceMs?: number;
}

/** The runtime's parts the connection is made with. */
export interface ConnectContext {
  env: Record<string, string | undefined>;
  logger: Logger;
  store: SyncStore;
  clock: () => number;
  /** Requests to the API (default: `fetch`). */
  httpGet?: HttpGet;
  /** Where a download is held while it is read (default: in memory). */
  spool?: Spool;
  /** HMAC-SHA256 for webhook signatures (default: Web Crypto). */
  hmac?: Hmac;
}

/** The setting that turns WorkOS webhooks on, for messages. */
export const WORKOS_WEBHOOK_SETTING = 'WORKOS_WEBHOOK_SECRET';

/**
 * WorkOS's Events API, list endpoints and webhook receiver, configured (and validated) from the
 * options and the environment. `offline`: for work on the database alone; reading fails clearly.
 */
export function connectWorkOS(
  options: WorkOSOptions & { offline?: boolean },
  context: ConnectContext,
): {
  events: EventSource;
  snapshot: SnapshotSource;
  webhook: WebhookReceiver | null;
  origin?: string;
  rateLimitWaits?: RateLimitWaits;
} {
  const secrets = options.webhookSecrets ?? workosWebhookSecrets(context.env);
  const webhook =
    secrets.length > 0
      ? new WorkOSWebhookReceiver({
          store: context.store,
          clock: context.clock,
          verifier: new WorkOSWebhookVerifier({
            secrets,
            toleranceMs: options.webhookToleranceMs,
            hmac: context.hmac,
          }),
        })
      : null;
  if (options.offline)
    return {
      ...offlineSources(
        () => new ConfigError('This command works offline and does not read from WorkOS.'),
      ),
      webhook,
    };
  const connection = workosConnection(options, context.env);
  const limiter = new RateLimiter(
    options.rateLimit?.requests ?? 5900,
    options.rateLimit?.windowMs ?? 60_000,
  );
  const http = workosApi({
    ...connection,
    logger: context.logger,
    get: context.httpGet,
    maxAttempts: options.maxAttempts,
    maxDelayMs: options.maxRetryDelayMs,
    limiter,
  });
  const events = new WorkOSEventsReader(http);
  return {
    events,
    snapshot: new WorkOSStateImporter(http),
    webhook,
    origin: new URL(connection.apiUrl).origin,
    rateLimitWaits: () => limiter.waits(),
  };
}
