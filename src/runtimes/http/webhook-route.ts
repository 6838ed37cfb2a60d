import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { DEFAULT_MAX_BODY_BYTES } from '../../config.js';
import type { WebhookOutcome } from '../../engine/ports.js';
import type { Sync } from '../../sync.js';

export interface WebhookRouteOptions<C extends Context> {
  /**
   * The Sync of the source the path names, or none (per request on Workers, where bindings
   * come with it).
   */
  sync: (c: C, sourceId: string) => Sync | undefined;
  /** Larger bodies are refused with 413 (default 1 MB). */
  maxBodyBytes?: number;
  onRejected?: (reason: string) => void;
  /** A delivery stored (or a duplicate): the event is durable before this is called. */
  onStored?: (outcome: Extract<WebhookOutcome, { status: 200 }>, c: C, sync: Sync) => void;
}

/**
 * `POST /webhooks/<source id>` (`/webhooks/workos` by default), the same on Node and on Workers:
 * size limit, then signature, then the inbox; answered only after the event is durably stored.
 * Other methods get 405; a path that names no source here, 404.
 */
export function mountWebhookRoute<C extends Context>(
  app: Hono,
  options: WebhookRouteOptions<C>,
): void {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const reject = (reason: string) => options.onRejected?.(reason);
  app.post(
    '/webhooks/:source',
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) => {
        reject('too_large');
        return c.json({ error: `The body is larger than ${maxBodyBytes} bytes.` }, 413);
      },
    }),
    async (c) => {
      const sync = options.sync(c as C, c.req.param('source'));
      if (!sync) {
        reject('unknown_source');
        return c.json({ error: `No source ${JSON.stringify(c.req.param('source'))} here.` }, 404);
      }
      if (!sync.acceptsWebhooks) {
        // 503, not 4xx: the provider retries, so nothing is lost while the secret is being set up.
        reject('not_configured');
        return c.json({ error: `Webhooks are not configured: set ${sync.webhookSetting}.` }, 503);
      }
      const raw = new Uint8Array(await c.req.arrayBuffer());
      const outcome = await sync.receiveWebhook(raw, (name) => c.req.header(name));
      if (outcome.status !== 200) {
        reject(outcome.reason);
        return c.json({ error: outcome.message }, outcome.status);
      }
      if (outcome.test) return c.json({ received: true, test: true });
      options.onStored?.(outcome, c as C, sync);
      return c.json({ received: true, duplicate: outcome.duplicate });
    },
  );
  app.all('/webhooks/:source', (c) => {
    reject('method_not_allowed');
    return c.json({ error: 'Use POST.' }, 405, { Allow: 'POST' });
  });
}
