import { Webhook } from 'standardwebhooks';
import type { EffectHandler } from '../engine/outbox.js';

export interface ForwardTarget {
  /** The application's endpoint (http or https). */
  url: string;
  /** A Standard Webhooks secret (`whsec_` + base64), checked by `forwardTarget` in config. */
  secret: string;
  /** Event types to forward: exact, a prefix like `user.*`, or `*` (default: all). */
  events?: string[];
  /** A further test each event must pass (a provider's, such as Auth0's API path filter). */
  accepts?: (event: unknown) => boolean;
}

/** Whether `type` is among `patterns` (exact types, `prefix.*`, or `*`). */
export function matchesEventTypes(type: string, patterns: string[] | undefined): boolean {
  if (!patterns) return true;
  return patterns.some((p) =>
    p === '*' ? true : p.endsWith('.*') ? type.startsWith(p.slice(0, -1)) : type === p,
  );
}

/**
 * A delivery that takes longer than this fails and is retried (the outbox's backoff). The sync
 * waits for it (effects run before the next commit), so it is short.
 */
const TIMEOUT_MS = 10_000;

/**
 * An effect that POSTs each event, as JSON, to the application's own webhook endpoint, signed
 * as Standard Webhooks specifies (`webhook-id` is the event id, so receivers can drop repeats:
 * delivery is at least once, like every effect). Any answer but 2xx, a redirect included, is a
 * failure: the outbox retries it with backoff, for as long as it takes. The URL never appears in
 * logs or errors (it may carry a token).
 */
export function forwardingHandler(target: ForwardTarget): EffectHandler {
  const signer = new Webhook(target.secret);
  return async (event, { id, type }) => {
    if (!matchesEventTypes(type, target.events)) return;
    if (target.accepts && !target.accepts(event)) return;
    const body = JSON.stringify(event);
    const now = new Date();
    let response: Response;
    try {
      response = await fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'authsync',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': signer.sign(id, now, body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
      throw new Error(`forwarding to the application's endpoint failed: ${cause}`, {
        cause: error,
      });
    }
    // Nothing of the answer is needed; reading it lets the connection be reused.
    await response.arrayBuffer().catch(() => {});
    if (!response.ok)
      throw new Error(
        `the application's endpoint answered ${response.status} to a forwarded event`,
      );
  };
}
