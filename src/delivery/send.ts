import { Webhook } from 'standardwebhooks';
import type { ClaimedDelivery, DeliveryAttempt } from '../engine/deliveries.js';
import { redactUrls } from '../engine/redact.js';
import type { Destination } from './destination.js';

/** How much of an answer's body the attempts log keeps. */
const RESPONSE_BYTES = 256;

/** What an attempt came to: delivered, worth another try, or ended by the receiver. */
export type SendOutcome = DeliveryAttempt & { result: 'delivered' | 'retry' | 'abort' };

/** An endpoint's answer: its status, a header, and the first bytes of its body. */
export interface PostAnswer {
  status: number;
  header(name: string): string | null;
  firstBytes: Uint8Array;
}

/**
 * One POST, redirects not followed, given up after `timeoutMs` (rejects with a `TimeoutError`).
 * Node passes undici's `request` (`runtimes/node/http-post.ts`: a third of `fetch`'s CPU per
 * delivery); elsewhere `fetch` serves.
 */
export type HttpPost = (
  url: string,
  init: { headers: Record<string, string>; body: string; timeoutMs: number },
) => Promise<PostAnswer>;

/** A `webhook-signature` value for a message (Standard Webhooks: `v1,` + HMAC-SHA256 base64). */
export type Sign = (id: string, at: Date, body: string) => string;

/** Makes the signing function of one `whsec_` secret. */
export type MakeSigner = (secret: string) => Sign;

/** Signing by the `standardwebhooks` library (Workers); Node passes `node:crypto`'s HMAC. */
export const standardSigner: MakeSigner = (secret) => {
  const webhook = new Webhook(secret);
  return (id, at, body) => webhook.sign(id, at, body);
};

/**
 * One POST's deadline: `signal` aborts with a `TimeoutError` after `ms`; `clear` once answered.
 * A timer of our own, not `AbortSignal.timeout`: workerd allows 10,000 active timers per
 * invocation, and those stay active until they fire (a run of 10,000 deliveries within the
 * timeout failed the rest with "exceeded the number of active timeouts").
 */
export function postDeadline(ms: number): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError')),
    ms,
  );
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/** `HttpPost` by `fetch` (Workers): connections are reused per origin by the platform. */
export const fetchPost: HttpPost = async (url, { headers, body, timeoutMs }) => {
  const deadline = postDeadline(timeoutMs);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: deadline.signal,
    });
    return {
      status: response.status,
      header: (name) => response.headers.get(name),
      firstBytes: await firstBytes(response.body),
    };
  } finally {
    deadline.clear();
  }
};

/**
 * POSTs one delivery, signed as Standard Webhooks specifies with the destination's newest
 * secret (`webhook-id` is the event id, the same on every attempt and replay, so receivers can
 * drop repeats; a replay says so in `authsync-replay`). 2xx delivers; `410 Gone` or a
 * `webhook-delivery: abort` header ends it at once; anything else (other statuses, redirects,
 * which are not followed, timeouts, DNS and connection errors) is tried again. Errors never
 * quote the URL (it may carry a token).
 */
export async function send(
  destination: Destination,
  delivery: ClaimedDelivery,
  sign: Sign,
  now: () => number,
  post: HttpPost = fetchPost,
): Promise<SendOutcome> {
  const at = now();
  const started = performance.now();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'authsync',
    'webhook-id': delivery.eventId,
    'webhook-timestamp': String(Math.floor(at / 1000)),
    'webhook-signature': sign(delivery.eventId, new Date(at), delivery.body),
  };
  if (delivery.replay > 0) headers['authsync-replay'] = String(delivery.replay);
  const duration = () => Math.round(performance.now() - started);
  let answer: PostAnswer;
  try {
    answer = await post(destination.url, {
      headers,
      body: delivery.body,
      timeoutMs: destination.timeoutMs,
    });
  } catch (error) {
    const e = error as Error & { cause?: Error; code?: string };
    const message =
      e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT'
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
  const status = answer.status;
  const ok = status >= 200 && status < 300;
  const abort = status === 410 || answer.header('webhook-delivery')?.toLowerCase() === 'abort';
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
    response: responseText(answer.firstBytes),
  };
}

/** The first bytes of an answer as text for the attempts log (null when there were none). */
function responseText(bytes: Uint8Array): string | null {
  if (bytes.length === 0) return null;
  // Decoded leniently: a cut may split a character, and bodies need not be text at all.
  return new TextDecoder().decode(bytes.subarray(0, RESPONSE_BYTES)).replaceAll('\u0000', '');
}

/** Up to `RESPONSE_BYTES` of a body; the rest is dropped. */
export async function firstBytes(
  body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array> | null,
): Promise<Uint8Array> {
  if (!body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      chunks.push(chunk);
      size += chunk.length;
      // Leaving the loop early cancels the rest of the body.
      if (size >= RESPONSE_BYTES) break;
    }
  } catch {
    // The answer broke off: what came is kept.
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.length;
  }
  return all.subarray(0, RESPONSE_BYTES);
}
