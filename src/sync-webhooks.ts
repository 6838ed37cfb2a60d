import type { Logger, Spans, WebhookOutcome, WebhookReceiver } from './engine/ports.js';
import type { SyncStore } from './engine/store.js';
import { tracedReceive } from './sync-tracing.js';

/**
 * A source's webhook deliveries once verified: stored in the inbox, then either a doorbell for
 * the reader (WorkOS: the Events API decides order) or applied at once (Auth0's Event Streams,
 * events no stream will show); and the sweep that applies what the API has not shown in time.
 */
export class SyncWebhooks {
  private sweeping: Promise<number> | null = null;
  private applyingReceived: Promise<void> | null = null;
  private applyReceivedAgain = false;
  /** Why deliveries cannot be stored (readiness), or null. */
  problem: string | null = null;

  constructor(
    private readonly receiver: WebhookReceiver,
    private readonly deps: {
      sourceId: string;
      store: SyncStore;
      spans: Spans | null;
      log: Logger;
      clock: () => number;
      graceMs: number;
      applyHeld: (before: string) => Promise<number>;
      isReader: () => boolean;
      /** The reader here polls at once. */
      wake: () => void;
    },
  ) {}

  /** Verified, stored durably, then answered; a new event rings the reader (here or elsewhere). */
  async receive(
    raw: Uint8Array,
    header: (name: string) => string | undefined,
  ): Promise<WebhookOutcome> {
    const { spans, sourceId } = this.deps;
    let outcome: WebhookOutcome;
    try {
      outcome = spans
        ? await tracedReceive(this.receiver, spans, sourceId, raw, header)
        : await this.receiver.receive(raw, header);
      this.problem = null;
    } catch (error) {
      // The inbox refused it (a full disk, a database down): not ready until one is stored.
      this.problem = `storing webhook deliveries fails: ${(error as Error).message}`;
      throw error;
    }
    if (outcome.status === 200 && !outcome.duplicate && !outcome.test) {
      const lease = this.deps.store.readerLease?.();
      const reader = this.deps.isReader();
      if (this.receiver.appliesAtOnce && (!lease || reader)) this.applyReceived();
      else {
        this.deps.wake();
        // The reader may be another process: ring there too.
        if (lease && !reader) lease.ring().catch(() => {});
      }
    }
    return outcome;
  }

  /**
   * Applies what webhooks stored, now (deliveries that are events in their own right, which no
   * stream will show). One pass at a time; deliveries during a pass ask for one more. Where
   * another process reads, its sweep applies them after the grace period instead.
   */
  private applyReceived(): void {
    if (this.applyingReceived) {
      this.applyReceivedAgain = true;
      return;
    }
    this.applyingReceived = (async () => {
      do {
        this.applyReceivedAgain = false;
        await this.applyStored();
      } while (this.applyReceivedAgain);
    })()
      .catch((error: Error) =>
        this.deps.log.error('applying webhook events failed; the sweep will retry', {
          error: error.message,
        }),
      )
      .finally(() => {
        this.applyingReceived = null;
      });
  }

  /** After a read: deliveries any process stored, applied by the reader (Event Streams only). */
  async afterRead(): Promise<void> {
    if (this.receiver.appliesAtOnce) await this.applyStored();
  }

  /** Every delivery stored so far. */
  private applyStored(): Promise<number> {
    return this.applyHeldBefore(new Date(this.deps.clock() + 1).toISOString());
  }

  /** Deliveries the API has not shown within the grace period. */
  applyOverdue(): Promise<number> {
    return this.applyHeldBefore(new Date(this.deps.clock() - this.deps.graceMs).toISOString());
  }

  private async applyHeldBefore(before: string): Promise<number> {
    while (this.sweeping) await this.sweeping.catch(() => 0);
    this.sweeping = this.deps.applyHeld(before);
    try {
      return await this.sweeping;
    } finally {
      this.sweeping = null;
    }
  }

  /** Waits for a pass in progress (before the store closes). */
  async settled(): Promise<void> {
    await this.applyingReceived;
  }
}
