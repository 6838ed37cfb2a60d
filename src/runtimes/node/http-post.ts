import { createHmac } from 'node:crypto';
import { Agent, request } from 'undici';
import { firstBytes, type HttpPost, type MakeSigner } from '../../delivery/send.js';

// Connections are kept per origin (undici's pool), as many as deliveries in flight.
const dispatcher = new Agent({ keepAliveTimeout: 30_000 });

/**
 * Deliveries through undici's `request`, without `fetch`'s WHATWG layers (streams, abort
 * signals, header lists): measured on loopback, see docs/benchmarks.md. Redirects are not
 * followed (undici's `request` never does); the time limit covers the answer's headers and body.
 */
export const undiciPost: HttpPost = async (url, { headers, body, timeoutMs }) => {
  const response = await request(url, {
    method: 'POST',
    headers,
    body,
    dispatcher,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  return {
    status: response.statusCode,
    header: (name) => {
      const value = response.headers[name.toLowerCase()];
      return (Array.isArray(value) ? value[0] : value) ?? null;
    },
    // Most answers are small and say so: read whole, without a stream iterator.
    firstBytes:
      Number(response.headers['content-length'] ?? Infinity) <= 4096
        ? new Uint8Array(await response.body.arrayBuffer())
        : await firstBytes(response.body),
  };
};

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
