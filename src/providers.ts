import type { EventSource, SnapshotSource, WebhookReceiver } from './engine/ports.js';
import type { Provider } from './engine/provider.js';
import type { RateLimitWaits } from './http/rate-limiter.js';
import {
  AUTH0_WEBHOOK_SETTING,
  connectAuth0,
  type Auth0Options,
} from './providers/auth0/connect.js';
import { auth0, auth0KeepingLogTypes } from './providers/auth0/index.js';
import { apiCallFilter } from './providers/auth0/forward-filter.js';
import { auth0LogTypes, forwardApiFilter } from './providers/auth0/settings.js';
import { ConfigError } from './engine/config-error.js';
import {
  connectWorkOS,
  WORKOS_WEBHOOK_SETTING,
  type ConnectContext,
  type WorkOSOptions,
} from './providers/workos/connect.js';
import { workos } from './providers/workos/index.js';

/** Every provider authsync reads, by name (a source's `provider`). */
export const PROVIDERS: Readonly<Record<'workos' | 'auth0', Provider>> = { workos, auth0 };

export interface Connected {
  provider: Provider;
  events: EventSource;
  snapshot: SnapshotSource;
  webhook: WebhookReceiver | null;
  /** The setting that turns this source's webhooks on (for messages). */
  webhookSetting: string;
  /** The API's origin (none when working offline). */
  origin?: string;
  /** How long reads waited for the client-side rate budget (none when working offline). */
  rateLimitWaits?: RateLimitWaits;
  /** A provider's own test of what is forwarded (Auth0: Management API paths and methods). */
  forwardFilter?: (event: unknown) => boolean;
}

/** A source's provider and its parts that talk to it, made from the options and environment. */
export function connectSource(
  name: string,
  options: WorkOSOptions & { auth0?: Auth0Options; offline?: boolean },
  context: ConnectContext,
): Connected {
  const apiFilter = forwardApiFilter(context.env);
  if (name === 'auth0') {
    const logTypes = auth0LogTypes(context.env);
    return {
      provider: logTypes ? auth0KeepingLogTypes(logTypes) : auth0,
      ...connectAuth0(
        {
          // The retry settings hold for every provider; Auth0's own, if given, win.
          maxAttempts: options.maxAttempts,
          maxRetryDelayMs: options.maxRetryDelayMs,
          ...options.auth0,
          offline: options.offline,
        },
        context,
      ),
      webhookSetting: AUTH0_WEBHOOK_SETTING,
      ...(apiFilter ? { forwardFilter: apiCallFilter(apiFilter) } : {}),
    };
  }
  if (name !== 'workos') throw new Error(`unknown provider ${name}`);
  if (apiFilter)
    throw new ConfigError(
      'AUTHSYNC_FORWARD_API_PATHS and AUTHSYNC_FORWARD_API_METHODS filter Auth0 Management API logs; this source reads WorkOS.',
    );
  return {
    provider: workos,
    ...connectWorkOS(options, context),
    webhookSetting: WORKOS_WEBHOOK_SETTING,
  };
}
