import { redactUrls } from './redact.js';
import type { Logger } from './ports.js';
import type { SyncStore } from './store.js';

/**
 * A user handler: given the event's envelope as the provider sent it (normalized), and its id
 * and type (the same for every provider).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each provider types its own envelope (see `Sync.on`)
export type EffectHandler<E = any> = (
  event: E,
  meta: { id: string; type: string },
) => void | Promise<void>;

const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 5 * 60_000;

/**
 * Runs due outbox items: every handler registered for the event's type (and `*`), then marks
 * the item done. A crash between the two runs the handlers again: at least once, so handlers
 * should be idempotent by event id. A failing handler is retried with exponential backoff, and
 * ends the pass.
 */
export async function runOutbox(
  store: SyncStore,
  handlers: Map<string, EffectHandler[]>,
  options: { clock: () => number; logger: Logger; afterHandler?: () => void },
): Promise<number> {
  let ran = 0;
  for (;;) {
    const due = await store.outboxDue(100, options.clock());
    if (due.length === 0) return ran;
    for (const [index, item] of due.entries()) {
      const event: unknown = JSON.parse(item.json);
      const meta = { id: item.eventId, type: item.type };
      const list = [...(handlers.get(item.type) ?? []), ...(handlers.get('*') ?? [])];
      try {
        for (const handler of list) await handler(event, meta);
        options.afterHandler?.();
        await store.outboxDone(item.eventId);
        ran++;
      } catch (error) {
        const delay =
          Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** item.attempts) * (0.5 + Math.random() / 2);
        // Logged and stored: a handler's error may quote a URL with its credentials.
        const message = redactUrls(error instanceof Error ? error.message : String(error));
        options.logger.warn('effect handler failed; will retry', {
          eventId: item.eventId,
          type: item.type,
          error: message,
        });
        // Whole milliseconds: stores keep the time as an integer.
        await store.outboxFailed(item.eventId, message, Math.ceil(options.clock() + delay));
        // Effects run before the next commit: when a handler fails (an endpoint down, or one
        // that hangs until its timeout), the rest wait for the next pass instead of each paying
        // the same failure while the rows wait. Claimed ones are released so that they do not
        // wait out their lease.
        await store.outboxRelease(due.slice(index + 1).map((d) => d.eventId));
        return ran;
      }
    }
    if (due.length < 100) return ran;
  }
}
