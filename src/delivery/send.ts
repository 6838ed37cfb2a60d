import { Webhook } from 'standardwebhooks';
import type { ClaimedDelivery, DeliveryAttempt } from '../engine/deliveries.js';
import { redactUrls } from '../engine/redact.js';
import type { Destination } from './destination.js';

/** How much of an answer's body the attempts log keeps. */
const RESPONSE_BYTES = 256;

/** What an attempt came to: delivered, worth another try, or ended by the receiver. */
export type SendOutcome = DeliveryAttempt & { result: 'delivered' | 'retry' | 'abort' };

/**
 * POSTs one delivery, signed as Standard Webhooks specifies with the destination's newest
 * secret (`webhook-id` is the event id, the same on every attempt and replay, so receivers can
 * drop repeats; a replay says so in `authsync-replay`). 2xx delivers; `410 Gone` or a
 * `webhook-delivery: abort` header ends it at once; anything else (other statuses, redirects,
 * which are not followed, timeouts, DNS and connection errors) is tried again. Errors never
 * quote the URL (it may carry a token). `fetch` reuses connections per origin (undici's pool on
 * Node, the platform's on Workers).
 */
export async function send(
  destination: Destination,
  delivery: ClaimedDelivery,
  signers: Map<string, Webhook>,
  now: () => number,
): Promise<SendOutcome> {
  let signer = signers.get(destination.name);
  if (!signer) signers.set(destination.name, (signer = new Webhook(destination.secrets[0]!)));
  const at = now();
  const started = performance.now();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'authsync',
    'webhook-id': delivery.eventId,
    'webhook-timestamp': String(Math.floor(at / 1000)),
    'webhook-signature': signer.sign(delivery.eventId, new Date(at), delivery.body),
  };
  if (delivery.replay > 0) headers['authsync-replay'] = String(delivery.replay);
  const duration = () => Math.round(performance.now() - started);
  let response: Response;
  try {
    response = await fetch(destination.url, {
      method: 'POST',
      headers,
      body: delivery.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(destination.timeoutMs),
    });
  } catch (error) {
    const e = error as Error & { cause?: Error };
    const message =
      e.name === 'TimeoutError'
        ? `no answer within ${destination.timeoutMs} ms`
        : (e.cause?.message ?? e.message);
    return {
      result: 'retry',
      at,
      statusCode: null,
      durationMs: duration(),
      error: redactUrls(message),
      response: null,
    };
  }
  const text = await firstBytes(response);
  const status = response.status;
  const ok = status >= 200 && status < 300;
  const abort =
    status === 410 || response.headers.get('webhook-delivery')?.toLowerCase() === 'abort';
  return {
    result: ok ? 'delivered' : abort ? 'abort' : 'retry',
    at,
    statusCode: status,
    durationMs: duration(),
    error: ok
      ? null
      : abort && status !== 410
        ? `the endpoint answered ${status} and asked not to retry (webhook-delivery: abort)`
        : `the endpoint answered ${status}`,
    response: text,
  };
}

/** The answer's first bytes as text (the rest is dropped, which lets the connection be reused). */
async function firstBytes(response: Response): Promise<string | null> {
  if (!response.body) return null;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < RESPONSE_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
    // The answer broke off: what came is kept.
  } finally {
    reader.cancel().catch(() => {});
  }
  if (size === 0) return null;
  const all = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.length;
  }
  // Decoded leniently: a cut may split a character, and bodies need not be text at all.
  return new TextDecoder().decode(all.subarray(0, RESPONSE_BYTES)).replaceAll('\u0000', '');
}
