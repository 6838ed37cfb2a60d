import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { Random } from './random.js';
import type { StoredEvent } from './state/event-log.js';
import type { World } from './state/world.js';

export const webhookSettingsSchema = z
  .object({
    url: z.string().url().nullable(),
    secret: z.string().min(1).nullable(),
    /** Deliver each event at a random point among those still waiting, not in stream order. */
    outOfOrder: z.boolean(),
    /** Fraction of events delivered twice. */
    duplicateRate: z.number().min(0).max(1),
    /** Attempts per delivery before giving up (WorkOS makes up to 12 in production). */
    maxAttempts: z.number().int().min(1).max(50),
    /** First retry after this many ms, doubling each time, with jitter. */
    retryBaseMs: z.number().int().min(1),
    /** A delivery that takes longer than this is a failure (WorkOS waits about 5 s). */
    timeoutMs: z.number().int().min(1),
    concurrency: z.number().int().min(1).max(256),
  })
  .strict();

export type WebhookSettings = z.infer<typeof webhookSettingsSchema>;

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  url: null,
  secret: null,
  outOfOrder: false,
  duplicateRate: 0,
  maxAttempts: 8,
  retryBaseMs: 1000,
  timeoutMs: 5000,
  concurrency: 8,
};

/** `WorkOS-Signature` for a body: `t=<ms since epoch>, v1=<hex HMAC-SHA256(secret, "t.body")>`. */
export function signWorkOSWebhook(body: string, secret: string, timestampMs: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestampMs}.${body}`).digest('hex');
  return `t=${timestampMs}, v1=${v1}`;
}

interface Delivery {
  eventId: string;
  body: string;
  attempt: number;
  dueAtMs: number;
}

/**
 * Sends each new event to the configured URL as WorkOS does: a compact JSON body, signed
 * over exactly the bytes sent, retried with exponential backoff until a 2xx.
 */
export class WebhookDeliverer {
  settings: WebhookSettings;
  readonly stats = { delivered: 0, failedAttempts: 0, gaveUp: 0, duplicatesSent: 0 };
  private queue: Delivery[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly random: Random;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly unsubscribe: () => void;

  constructor(
    world: World,
    initial: Partial<WebhookSettings> = {},
    seed: string | number = 'webhooks',
  ) {
    this.settings = webhookSettingsSchema.parse({ ...DEFAULT_WEBHOOK_SETTINGS, ...initial });
    this.random = new Random(`${seed}:webhooks`);
    this.unsubscribe = world.onEvent((event) => this.enqueue(event));
  }

  configure(patch: unknown): ReturnType<WebhookDeliverer['describe']> {
    const parsed = webhookSettingsSchema.partial().safeParse(patch);
    if (!parsed.success) {
      throw new Error(
        `Invalid webhook settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    this.settings = { ...this.settings, ...parsed.data };
    return this.describe();
  }

  /** Settings (never the secret) and counters. */
  describe() {
    const { secret, ...rest } = this.settings;
    return {
      ...rest,
      secretSet: secret !== null,
      pending: this.queue.length + this.inFlight,
      ...this.stats,
    };
  }

  /** Resolves once nothing is waiting or in flight (retries included). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
    this.queue = [];
    this.notifyIdle();
  }

  private enqueue(event: StoredEvent): void {
    const { url, secret } = this.settings;
    if (this.closed || !url || !secret) return;
    const now = Date.now();
    const delivery: Delivery = { eventId: event.id, body: event.json, attempt: 0, dueAtMs: now };
    if (this.settings.outOfOrder && this.queue.length > 0) {
      this.queue.splice(this.random.int(this.queue.length + 1), 0, delivery);
    } else {
      this.queue.push(delivery);
    }
    if (this.settings.duplicateRate > 0 && this.random.chance(this.settings.duplicateRate)) {
      this.stats.duplicatesSent++;
      this.queue.push({ ...delivery, dueAtMs: now + this.random.int(200) });
    }
    this.pump();
  }

  private pump(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const now = Date.now();
    while (this.inFlight < this.settings.concurrency) {
      const index = this.queue.findIndex((d) => d.dueAtMs <= now);
      if (index < 0) break;
      const [delivery] = this.queue.splice(index, 1) as [Delivery];
      this.inFlight++;
      void this.send(delivery).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
    if (this.queue.length > 0 && this.inFlight < this.settings.concurrency) {
      const next = Math.min(...this.queue.map((d) => d.dueAtMs));
      this.timer = setTimeout(() => this.pump(), Math.max(1, next - now));
    }
    this.notifyIdle();
  }

  private async send(delivery: Delivery): Promise<void> {
    const { url, secret, timeoutMs, maxAttempts, retryBaseMs } = this.settings;
    if (!url || !secret) return;
    let ok: boolean;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'WorkOS Webhooks (authsync emulator)',
          'workos-signature': signWorkOSWebhook(delivery.body, secret, Date.now()),
        },
        body: delivery.body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.arrayBuffer();
      ok = response.ok;
    } catch {
      ok = false;
    }
    if (ok) {
      this.stats.delivered++;
      return;
    }
    this.stats.failedAttempts++;
    delivery.attempt++;
    if (delivery.attempt >= maxAttempts || this.closed) {
      this.stats.gaveUp++;
      return;
    }
    const backoff = retryBaseMs * 2 ** (delivery.attempt - 1);
    delivery.dueAtMs = Date.now() + backoff / 2 + this.random.float() * backoff;
    this.queue.push(delivery);
  }

  private notifyIdle(): void {
    if (this.queue.length > 0 || this.inFlight > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
