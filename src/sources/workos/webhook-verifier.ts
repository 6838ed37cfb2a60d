/**
 * Verifies WorkOS webhook signatures: `WorkOS-Signature: t=<ms since epoch>, v1=<hex>` where
 * v1 = HMAC-SHA256(secret, `${t}.${raw body bytes}`). Runs on the raw bytes before anything
 * parses them, with Web Crypto (so the same code runs on Node and Cloudflare Workers); the
 * comparison is `crypto.subtle.verify`, which is constant-time.
 */

export type SignatureRejection =
  | 'missing_signature'
  | 'malformed_signature'
  | 'stale_timestamp'
  | 'future_timestamp'
  | 'bad_signature';

export interface VerifyOptions {
  /** Every secret that may have signed (more than one while rotating). */
  secrets: readonly string[];
  /** Accept timestamps at most this far in the past or future (default 180,000 ms, as the SDK). */
  toleranceMs?: number;
  nowMs?: number;
}

export type VerifyResult =
  { ok: true; timestampMs: number } | { ok: false; reason: SignatureRejection };

export const DEFAULT_TOLERANCE_MS = 180_000;

/** Longer headers are not signatures (a 64-hex v1, a 13-digit t and some spacing fit in far less). */
const MAX_HEADER_LENGTH = 1024;

export class WorkOSWebhookVerifier {
  private readonly keys: Promise<CryptoKey[]>;
  private readonly toleranceMs: number;

  constructor(options: Omit<VerifyOptions, 'nowMs'>) {
    const secrets = options.secrets.filter((s) => s.length > 0);
    if (secrets.length === 0) throw new Error('at least one webhook secret is required');
    this.toleranceMs = options.toleranceMs ?? DEFAULT_TOLERANCE_MS;
    const encoder = new TextEncoder();
    this.keys = Promise.all(
      secrets.map((secret) =>
        crypto.subtle.importKey(
          'raw',
          encoder.encode(secret),
          { name: 'HMAC', hash: 'SHA-256' },
          false,
          ['verify'],
        ),
      ),
    );
  }

  async verify(
    rawBody: Uint8Array,
    header: string | null | undefined,
    nowMs: number = Date.now(),
  ): Promise<VerifyResult> {
    if (!header) return { ok: false, reason: 'missing_signature' };
    const parsed = parseSignatureHeader(header);
    if (!parsed) return { ok: false, reason: 'malformed_signature' };
    if (parsed.timestampMs < nowMs - this.toleranceMs)
      return { ok: false, reason: 'stale_timestamp' };
    if (parsed.timestampMs > nowMs + this.toleranceMs)
      return { ok: false, reason: 'future_timestamp' };
    const prefix = new TextEncoder().encode(`${parsed.timestamp}.`);
    const signed = new Uint8Array(prefix.length + rawBody.length);
    signed.set(prefix, 0);
    signed.set(rawBody, prefix.length);
    for (const key of await this.keys) {
      for (const signature of parsed.signatures) {
        if (await crypto.subtle.verify('HMAC', key, signature, signed))
          return { ok: true, timestampMs: parsed.timestampMs };
      }
    }
    return { ok: false, reason: 'bad_signature' };
  }
}

/** `t=<digits>, v1=<64 hex>` (any order, any spacing, several v1 allowed); null if not that. */
export function parseSignatureHeader(
  header: string,
): { timestamp: string; timestampMs: number; signatures: Uint8Array<ArrayBuffer>[] } | null {
  if (header.length > MAX_HEADER_LENGTH) return null;
  let timestamp: string | null = null;
  const signatures: Uint8Array<ArrayBuffer>[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return null;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === 't') {
      if (timestamp !== null || !/^\d{1,16}$/.test(value)) return null;
      timestamp = value;
    } else if (name === 'v1') {
      if (!/^[0-9a-fA-F]{64}$/.test(value)) return null;
      signatures.push(hexToBytes(value));
    }
    // Other schemes (a future v2) are ignored, as the SDK does.
  }
  if (timestamp === null || signatures.length === 0) return null;
  return { timestamp, timestampMs: Number(timestamp), signatures };
}

function hexToBytes(hex: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}
