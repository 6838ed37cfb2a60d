import { createHmac } from 'node:crypto';
import type { LookupFunction } from 'node:net';
import { Agent, request } from 'undici';
import { firstBytes, postDeadline, type HttpPost, type MakeSigner } from '../../delivery/send.js';
import { guardedLookup } from './lookup.js';

/**
 * Deliveries through undici's `request`, without `fetch`'s WHATWG layers (streams, abort
 * signals, header lists): measured on loopback, see docs/benchmarks.md. Redirects are not
 * followed (undici's `request` never does). One deadline covers the whole exchange: undici's
 * `bodyTimeout` restarts with every chunk, so an endpoint trickling its answer held a delivery
 * (and `sync --once`) far past the destination's timeout. Headers not complete by then are no
 * answer (tried again); a body still coming is cut off there, and the status stands.
 */
export function undiciPoster(lookup: LookupFunction = guardedLookup()): HttpPost {
  // Connections are kept per origin (undici's pool), as many as deliveries in flight.
  const dispatcher = new Agent({ keepAliveTimeout: 30_000, connect: { lookup } });
  return (url, init) => post(dispatcher, url, init);
}

export const undiciPost: HttpPost = undiciPoster();

async function post(
  dispatcher: Agent,
  url: string,
  { headers, body, timeoutMs }: Parameters<HttpPost>[1],
): ReturnType<HttpPost> {
  const deadline = postDeadline(timeoutMs);
  try {
    const sent = request(url, {
      method: 'POST',
      headers,
      body,
      dispatcher,
      signal: deadline.signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    // undici heeds the signal only once a connection is up: a name still being looked up held
    // the delivery until its connect timeout (10 s), past the destination's own.
    const response = await Promise.race([sent, rejectedWhenAborted(deadline.signal)]).catch(
      (error: unknown) => {
        void sent.then(
          (late) => late.body.destroy(),
          () => {},
        );
        throw error;
      },
    );
    let bytes: Uint8Array;
    try {
      // Most answers are small and say so: read whole, without a stream iterator.
      bytes =
        Number(response.headers['content-length'] ?? Infinity) <= 4096
          ? new Uint8Array(await response.body.arrayBuffer())
          : await firstBytes(response.body);
    } catch {
      // Cut off by the deadline, or broken off: the status came in time and counts (a 2xx
      // delivered it; sending it again would repeat it), the log keeps none of the body.
      bytes = new Uint8Array();
    }
    return {
      status: response.statusCode,
      header: (name) => {
        const value = response.headers[name.toLowerCase()];
        return (Array.isArray(value) ? value[0] : value) ?? null;
      },
      firstBytes: bytes,
    };
  } catch (error) {
    throw deadline.signal.aborted ? (deadline.signal.reason as Error) : error;
  } finally {
    deadline.clear();
  }
}

function rejectedWhenAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) =>
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
  );
}

/**
 * Standard Webhooks signatures by `node:crypto` (the library's own HMAC is JavaScript, a tenth
 * of a delivery's CPU): `v1,` and the base64 HMAC-SHA256, keyed by the secret's bytes, of
 * `<id>.<unix seconds>.<body>`. test/delivery verifies every one with the library.
 */
export const nodeSigner: MakeSigner = (secret) => {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  return (id, at, body) =>
    `v1,${createHmac('sha256', key)
      .update(`${id}.${Math.floor(at.getTime() / 1000)}.${body}`)
      .digest('base64')}`;
};
