import type { Random } from '../random.js';

/** How the stream authenticates to the endpoint: no signature, one of these headers. */
export type StreamAuthorization =
  | { method: 'bearer'; token: string }
  | { method: 'basic'; username: string; password: string }
  | { method: 'custom_header'; header_key: string; header_value: string };

export interface EventStreamSettings {
  url: string;
  authorization: StreamAuthorization;
  /** Fraction of events delivered twice (default 0). */
  duplicateRate?: number;
  /** Each delivery waits a random 0..N ms first, so they arrive out of order (default 0). */
  reorderMs?: number;
  /** Waits before the retries: Auth0 makes four attempts, after 1 s, 2 s and 4 s. */
  retryDelaysMs?: number[];
}

/** A CloudEvent as Event Streams send it (`events-schema.json`). */
export interface CloudEvent {
  specversion: '1.0';
  type: string;
  source: string;
  id: string;
  time: string;
  data: { object: Record<string, unknown> };
  a0tenant: string;
  a0stream: string;
}

export interface DeliveryRecord {
  eventId: string;
  eventType: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: { status: number | null; timestamp: string; error?: string }[];
}

/**
 * An Event Stream with a webhook destination: each event POSTed as JSON with the configured
 * authorization (no signature), retried on failure after 1 s, 2 s and 4 s (four attempts), not
 * retried after a 4xx; duplicates and reordering on demand. Deliveries are recorded as Auth0's
 * deliveries API lists them.
 */
export class EventStream {
  readonly id: string;
  readonly deliveries = new Map<string, DeliveryRecord>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private settings: EventStreamSettings,
    private readonly random: Random,
  ) {
    this.id = `est_${Array.from({ length: 22 }, () => random.int(36).toString(36)).join('')}`;
  }

  update(settings: EventStreamSettings): void {
    this.settings = settings;
  }

  private headers(): Record<string, string> {
    const a = this.settings.authorization;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (a.method === 'bearer') headers.authorization = `Bearer ${a.token}`;
    else if (a.method === 'basic')
      headers.authorization = `Basic ${Buffer.from(`${a.username}:${a.password}`).toString('base64')}`;
    else headers[a.header_key.toLowerCase()] = a.header_value;
    return headers;
  }

  send(event: CloudEvent): void {
    const record: DeliveryRecord = {
      eventId: event.id,
      eventType: event.type,
      status: 'pending',
      attempts: [],
    };
    this.deliveries.set(event.id, record);
    const body = JSON.stringify({ ...event, a0stream: this.id });
    const copies = this.random.chance(this.settings.duplicateRate ?? 0) ? 2 : 1;
    for (let i = 0; i < copies; i++)
      this.later(this.settings.reorderMs ? this.random.int(this.settings.reorderMs + 1) : 0, () =>
        this.attempt(record, body, 0),
      );
  }

  private later(ms: number, run: () => void): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  private async attempt(record: DeliveryRecord, body: string, n: number): Promise<void> {
    if (this.closed) return;
    let status: number | null = null;
    let error: string | undefined;
    try {
      const r = await fetch(this.settings.url, {
        method: 'POST',
        headers: this.headers(),
        body,
        signal: AbortSignal.timeout(10_000),
      });
      status = r.status;
      await r.arrayBuffer();
    } catch (e) {
      error = (e as Error).message;
    }
    record.attempts.push({
      status,
      timestamp: new Date().toISOString(),
      ...(error ? { error } : {}),
    });
    if (status !== null && status >= 200 && status < 300) {
      record.status = 'delivered';
      return;
    }
    const delays = this.settings.retryDelaysMs ?? [1000, 2000, 4000];
    // A 4xx fails the event at once; other failures are retried up to four attempts in all.
    if ((status !== null && status >= 400 && status < 500) || n >= delays.length) {
      if (record.status !== 'delivered') record.status = 'failed';
      return;
    }
    this.later(delays[n]!, () => void this.attempt(record, body, n + 1));
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
