import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { Random } from './random.js';

/** WorkOS's documented limit: 6,000 requests per 60 seconds per IP, shared by all endpoints. */
export const WORKOS_RATE_LIMIT = { requests: 6000, windowMs: 60_000 };

const rate = z.number().min(0).max(1);
export const faultSettingsSchema = z
  .object({
    /** Added before every API answer, in milliseconds. */
    latencyMs: z.number().min(0).max(60_000),
    /** Fraction of API requests answered 500/502/503. */
    errorRate: rate,
    /** Fraction of API requests whose connection is reset before any answer. */
    resetRate: rate,
    /** Fraction of API answers cut off halfway through the body (then the connection closes). */
    truncateRate: rate,
    /** Each API answer's body is trickled out over this many milliseconds. */
    slowBodyMs: z.number().min(0).max(60_000),
    /** A sliding-window request limit per client IP, answered 429 with Retry-After; null for none. */
    rateLimit: z
      .object({ requests: z.number().int().min(1), windowMs: z.number().int().min(1) })
      .nullable(),
  })
  .strict();

export type FaultSettings = z.infer<typeof faultSettingsSchema>;

export const NO_FAULTS: FaultSettings = {
  latencyMs: 0,
  errorRate: 0,
  resetRate: 0,
  truncateRate: 0,
  slowBodyMs: 0,
  rateLimit: null,
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Misbehaviour of the API on demand, changeable while serving (`PUT /_emulator/faults`). */
export class Faults {
  settings: FaultSettings;
  private readonly random: Random;
  /** Per client IP: the times of its recent requests, oldest first. */
  private readonly recent = new Map<string, number[]>();

  constructor(initial: Partial<FaultSettings> = {}, seed: string | number = 'faults') {
    this.settings = faultSettingsSchema.parse({ ...NO_FAULTS, ...initial });
    this.random = new Random(`${seed}:faults`);
  }

  update(patch: unknown): FaultSettings {
    const parsed = faultSettingsSchema.partial().safeParse(patch);
    if (!parsed.success) {
      throw new Error(
        `Invalid fault settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    this.settings = { ...this.settings, ...parsed.data };
    if (!this.settings.rateLimit) this.recent.clear();
    return this.settings;
  }

  /** Seconds until this client may send again, or 0 if the request is within the limit. */
  private retryAfterSeconds(ip: string, now: number): number {
    const limit = this.settings.rateLimit;
    if (!limit) return 0;
    let times = this.recent.get(ip);
    if (!times) this.recent.set(ip, (times = []));
    while (times.length > 0 && (times[0] as number) <= now - limit.windowMs) times.shift();
    if (times.length >= limit.requests)
      return Math.max(1, Math.ceil(((times[0] as number) + limit.windowMs - now) / 1000));
    times.push(now);
    return 0;
  }

  /** Hono middleware applying the faults to every WorkOS API route (not to `/_emulator/`). */
  middleware(): MiddlewareHandler<{ Bindings: HttpBindings }> {
    return async (c, next) => {
      if (c.req.path.startsWith('/_emulator/')) return next();
      const s = this.settings;
      const ip = c.env?.incoming?.socket?.remoteAddress ?? 'local';
      const retryAfter = this.retryAfterSeconds(ip, Date.now());
      if (retryAfter > 0) {
        return c.json({ message: 'Too many requests. Please retry later.' }, 429, {
          'Retry-After': String(retryAfter),
        });
      }
      if (s.latencyMs > 0) await sleep(s.latencyMs);
      const socket = c.env?.incoming?.socket;
      if (s.resetRate > 0 && socket && this.random.chance(s.resetRate)) {
        socket.resetAndDestroy();
        return RESPONSE_ALREADY_SENT;
      }
      if (s.errorRate > 0 && this.random.chance(s.errorRate)) {
        const status = this.random.pick([500, 502, 503] as const);
        return c.json({ message: 'Internal Server Error (emulated fault).' }, status);
      }
      const outgoing = c.env?.outgoing;
      const truncate = s.truncateRate > 0 && this.random.chance(s.truncateRate);
      if (outgoing && socket && (truncate || s.slowBodyMs > 0)) {
        interceptBody(outgoing, (body, realWrite, realEnd) => {
          void (async () => {
            // Headers (with the full content-length) are already written; send less, or slowly.
            const end = truncate ? Math.floor(body.length / 2) : body.length;
            const chunks = s.slowBodyMs > 0 ? 10 : 1;
            for (let i = 0; i < chunks; i++) {
              realWrite(
                body.subarray(Math.floor((end * i) / chunks), Math.floor((end * (i + 1)) / chunks)),
              );
              if (s.slowBodyMs > 0) await sleep(s.slowBodyMs / chunks);
            }
            if (truncate) socket.destroy();
            else realEnd();
          })();
        });
      }
      await next();
    };
  }
}

/**
 * Collects what the HTTP layer writes as the response body and hands it to `send` once
 * complete, with the real write/end, so a fault can cut it short or trickle it.
 */
function interceptBody(
  outgoing: HttpBindings['outgoing'],
  send: (body: Buffer, realWrite: (chunk: Buffer) => void, realEnd: () => void) => void,
): void {
  const realWrite = outgoing.write.bind(outgoing) as (chunk: Buffer) => boolean;
  const realEnd = outgoing.end.bind(outgoing) as () => void;
  const pieces: Buffer[] = [];
  const collect = (chunk: unknown) => {
    if (typeof chunk === 'string') pieces.push(Buffer.from(chunk));
    else if (chunk instanceof Uint8Array) pieces.push(Buffer.from(chunk));
  };
  outgoing.write = ((chunk: unknown) => {
    collect(chunk);
    return true;
  }) as typeof outgoing.write;
  outgoing.end = ((chunk?: unknown) => {
    if (typeof chunk !== 'function') collect(chunk);
    outgoing.write = realWrite as typeof outgoing.write;
    outgoing.end = realEnd as typeof outgoing.end;
    send(Buffer.concat(pieces), (c) => void realWrite(c), realEnd);
    return outgoing;
  }) as typeof outgoing.end;
}
