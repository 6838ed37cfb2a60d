import type { ClaimedDelivery } from '../engine/deliveries.js';
import { redactUrls } from '../engine/redact.js';
import type { Destination } from './destination.js';
import type { SendOutcome } from './send.js';

/**
 * One attempt of a function destination: its handler called with the event (as a POST would
 * carry it) and its id and type. Returning delivers; throwing, or taking longer than the
 * destination's timeout, is tried again on its schedule. A handler past its timeout cannot be
 * stopped and may still finish: handlers must be idempotent by event id (at least once).
 */
export async function callHandler(
  destination: Destination,
  delivery: ClaimedDelivery,
  now: () => number,
): Promise<SendOutcome> {
  const at = now();
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the handler did not finish within ${destination.timeoutMs} ms`)),
      destination.timeoutMs,
    );
  });
  const outcome = { at, statusCode: null, response: null };
  try {
    const event: unknown = JSON.parse(delivery.body);
    await Promise.race([
      (async () => destination.handler!(event, { id: delivery.eventId, type: delivery.type }))(),
      timeout,
    ]);
    return { ...outcome, result: 'delivered', durationMs: elapsed(started), error: null };
  } catch (error) {
    // Kept in the attempts log and logged: a handler's error may quote a URL with credentials.
    const message = redactUrls(error instanceof Error ? error.message : String(error));
    return { ...outcome, result: 'retry', durationMs: elapsed(started), error: message };
  } finally {
    clearTimeout(timer);
  }
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
