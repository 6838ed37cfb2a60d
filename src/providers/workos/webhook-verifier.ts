/**
 * Verifies WorkOS webhook signatures: `WorkOS-Signature: t=<ms since epoch>, v1=<hex>` where
 * v1 = HMAC-SHA256(secret, `${t}.${raw body bytes}`). Runs on the raw bytes before anything
 * parses them. The HMAC is Web Crypto's by default (so the same code runs on Cloudflare Workers);
 * Node passes its own synchronous one, which is several times cheaper per request. The comparison
 * is constant-time.
 */

export type SignatureRejection =
  | 'missing_signature'
  | 'malformed_signature'
  | 'stale_timestamp'
  | 'future_timestamp'
  | 'bad_signature';

/** HMAC-SHA256(secret, data). */
export type Hmac = (secret: string, data: Uint8Array) => Uint8Array | Promise<Uint8Array>;

export interface VerifyOptions {
  /** Every secret that may have signed (more than one while rotating). */
  secrets: readonly string[];
  /** Accept timestamps at most this far in the past or future (default 180,000 ms, as the SDK). */
  toleranceMs?: number;
  nowMs?: number;
  /** Default: Web Crypto. */
  hmac?: Hmac;
}

export type VerifyResult =
  { ok: true; timestampMs: number } | { ok: false; reason: SignatureRejection };

export const DEFAULT_TOLERANCE_MS = 180_000;

/** Longer headers are not signatures (a 64-hex v1, a 13-digit t and some spacing fit in far less). */
const MAX_HEADER_LENGTH = 1024;

export class WorkOSWebhookVerifier {
  private readonly secrets: string[];
  private readonly toleranceMs: number;
  private readonly hmac: Hmac;

  constructor(options: Omit<VerifyOptions, 'nowMs'>) {
    this.secrets = options.secrets.filter((s) => s.length > 0);
    if (this.secrets.length === 0) throw new Error('at least one webhook secret is required');
    this.toleranceMs = options.toleranceMs ?? DEFAULT_TOLERANCE_MS;
    this.hmac = options.hmac ?? webCryptoHmac();
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
    const signed = signedBytes(parsed.timestamp, rawBody);
    for (const secret of this.secrets) {
      const expected = await this.hmac(secret, signed);
      for (const signature of parsed.signatures)
        if (constantTimeEqual(expected, signature))
          return { ok: true, timestampMs: parsed.timestampMs };
    }
    return { ok: false, reason: 'bad_signature' };
  }

  /** The header WorkOS would send with this body at this time, signed with the first secret. */
  async sign(rawBody: Uint8Array, nowMs: number): Promise<string> {
    const mac = await this.hmac(this.secrets[0]!, signedBytes(String(nowMs), rawBody));
    const hex = Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('');
    return `t=${nowMs}, v1=${hex}`;
  }
}

/** `${timestamp}.` followed by the body: what v1 is the HMAC of. */
function signedBytes(timestamp: string, rawBody: Uint8Array): Uint8Array {
  const prefix = new TextEncoder().encode(`${timestamp}.`);
  const signed = new Uint8Array(prefix.length + rawBody.length);
  signed.set(prefix, 0);
  signed.set(rawBody, prefix.length);
  return signed;
}

/** Equal lengths and bytes, in time that depends only on the length (a signature's is public). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** HMAC-SHA256 with Web Crypto, importing each secret's key once. */
function webCryptoHmac(): Hmac {
  const keys = new Map<string, Promise<CryptoKey>>();
  return async (secret, data) => {
    let key = keys.get(secret);
    if (!key) {
      key = crypto.subtle.importKey(
        'raw',
        new TextEncoder().encode(secret),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign'],
      );
      keys.set(secret, key);
    }
    return new Uint8Array(
      await crypto.subtle.sign('HMAC', await key, data as Uint8Array<ArrayBuffer>),
    );
  };
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
