import type { Webhook } from 'standardwebhooks';
import type {
  ClaimedDelivery,
  DeliveryAttempt,
  DeliveryStore,
  DeliveryVerdict,
} from '../engine/deliveries.js';
import type { Logger } from '../engine/ports.js';
import type { Destination } from './destination.js';
import { nextAttemptAt } from './schedule.js';
import { send, type SendOutcome } from './send.js';

/** Deliveries claimed per round. */
const CLAIM_BATCH = 500;
/** How often an idle dispatcher looks for due deliveries another process (or a retry) made. */
const IDLE_POLL_MS = 1000;
/** How often finished deliveries older than the log's retention are pruned. */
const PRUNE_EVERY_MS = 3_600_000;

export interface DispatcherOptions {
  store: DeliveryStore;
  destinations: readonly Destination[];
  log: Logger;
  clock?: () => number;
  /** How long the attempts log and finished deliveries are kept (default 7 days). */
  keepLogMs?: number;
  /** Told of every attempt (metrics). */
  onAttempt?: (destination: string, outcome: SendOutcome, verdict: DeliveryVerdict) => void;
  /** Test hook: called before each send (crash injection). */
  beforeSend?: (delivery: ClaimedDelivery) => void;
}

interface Result {
  delivery: ClaimedDelivery;
  attempt: DeliveryAttempt;
  verdict: DeliveryVerdict;
}

/** At most `n` at once. */
class Permits {
  private waiting: (() => void)[] = [];
  constructor(private free: number) {}
  async take(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((r) => this.waiting.push(r));
  }
  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

/**
 * Sends deliveries beside the reader, never between its commits: claims due ones (a lease, so
 * no two processes send one at once), sends across lanes and destinations at once (each
 * destination's `concurrency`), one at a time within an ordered lane, and records each
 * attempt. A destination that is down or slow holds only its own deliveries; in an ordered lane
 * a delivery waiting for its retry (or failed for good) holds the ones after it until it is
 * delivered, retried or skipped. Results are written in batches, so a crash may send a
 * delivery again (at least once; `webhook-id` lets receivers drop repeats).
 */
export class Dispatcher {
  private readonly byName: Map<string, Destination>;
  private readonly signers = new Map<string, Webhook>();
  private readonly clock: () => number;
  private disabled = new Set<string>();
  /**
   * Destinations that failed an attempt in this drain (no answer, 5xx, ...): the rest of their
   * deliveries wait for the next drain instead of each paying the same failure (with a
   * destination that hangs, every lane would wait out the timeout in turn).
   */
  private tripped = new Set<string>();
  private results: Result[] = [];
  private releases: number[] = [];
  private flushing: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private prunedAt = 0;
  private draining: Promise<number> | null = null;
  private drainAgain = false;

  constructor(private readonly options: DispatcherOptions) {
    this.byName = new Map(options.destinations.map((d) => [d.name, d]));
    this.clock = options.clock ?? Date.now;
  }

  get destinations(): readonly Destination[] {
    return this.options.destinations;
  }

  /** New deliveries were committed: look now instead of at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /**
   * Sends every delivery due now, until none is (retries due later are left to their time);
   * returns how many attempts were made. One drain at a time: a call during one asks for
   * another pass and waits for it.
   */
  drain(signal?: AbortSignal): Promise<number> {
    if (this.draining) {
      this.drainAgain = true;
      return this.draining;
    }
    this.draining = (async () => {
      let total = 0;
      do {
        this.drainAgain = false;
        this.tripped = new Set();
        await this.checkHealth();
        for (;;) {
          const n = await this.round(signal);
          total += n;
          if (n === 0 || signal?.aborted) break;
        }
      } while (this.drainAgain && !signal?.aborted);
      return total;
    })().finally(() => (this.draining = null));
    return this.draining;
  }

  /** Keeps delivering until `signal` aborts: as deliveries are committed, and as retries fall due. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      this.woken = false;
      try {
        await this.drain(signal);
        await this.prune();
      } catch (error) {
        this.options.log.error('delivering failed; trying again shortly', {
          error: (error as Error).message,
        });
      }
      if (signal.aborted || this.woken) continue;
      const next = await this.options.store.nextDue(this.enabled()).catch(() => null);
      const wait = next === null ? IDLE_POLL_MS : Math.min(IDLE_POLL_MS, next - this.clock());
      if (wait > 0) await this.idle(wait, signal);
    }
  }

  private idle(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.wakeUp = done;
    });
  }

  private enabled(): string[] {
    return [...this.byName.keys()].filter((n) => !this.disabled.has(n) && !this.tripped.has(n));
  }

  /** Destinations disabled (by hand, or here after failing too long) are left alone. */
  private async checkHealth(): Promise<void> {
    const now = this.clock();
    const disabled = new Set<string>();
    for (const s of await this.options.store.destinations()) {
      const d = this.byName.get(s.name);
      if (!d) continue;
      if (s.disabledAt !== null) disabled.add(s.name);
      else if (s.failingSince !== null && now - s.failingSince >= d.disableAfterMs) {
        await this.options.store.setDisabled(s.name, now);
        disabled.add(s.name);
        this.options.log.error(
          'a destination failed for too long and is disabled; its deliveries are kept (authsync deliveries enable to resume)',
          { destination: s.name, failingSince: new Date(s.failingSince).toISOString() },
        );
      }
    }
    this.disabled = disabled;
  }

  private async prune(): Promise<void> {
    const now = this.clock();
    if (now - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = now;
    const removed = await this.options.store.prune(
      now - (this.options.keepLogMs ?? 7 * 86_400_000),
    );
    if (removed > 0) this.options.log.info('pruned the delivery log', { deliveries: removed });
  }

  /** One claim and everything in it; returns the attempts made. */
  private async round(signal?: AbortSignal): Promise<number> {
    const names = this.enabled();
    const now = this.clock();
    const longest = Math.max(0, ...names.map((n) => this.byName.get(n)!.timeoutMs));
    const leaseUntil = now + Math.max(120_000, 4 * longest);
    const claimed = await this.options.store.claim(names, now, leaseUntil, CLAIM_BATCH);
    if (claimed.length === 0) return 0;
    // Ordered deliveries queue by lane, the rest each alone; queues run at once.
    const queues = new Map<string, ClaimedDelivery[]>();
    for (const d of claimed) {
      const key = d.ordered ? `${d.destination}\u0000${d.lane}` : `${d.destination}\u0000#${d.id}`;
      const q = queues.get(key);
      if (q) q.push(d);
      else queues.set(key, [d]);
    }
    const permits = new Map(
      names.map((n) => [n, new Permits(this.byName.get(n)!.concurrency)] as const),
    );
    let attempts = 0;
    await Promise.all(
      [...queues.values()].map(async (queue) => {
        const destination = this.byName.get(queue[0]!.destination)!;
        const gate = permits.get(destination.name)!;
        // Only while the lease outlasts an attempt (after it, another process may take the
        // delivery), and while the destination answers.
        const stop = (d: ClaimedDelivery) =>
          signal?.aborted ||
          this.tripped.has(destination.name) ||
          this.clock() + destination.timeoutMs >= d.leaseUntil;
        for (const [i, delivery] of queue.entries()) {
          if (stop(delivery)) {
            this.release(queue.slice(i));
            return;
          }
          await gate.take();
          if (stop(delivery)) {
            gate.give();
            this.release(queue.slice(i));
            return;
          }
          let verdict: DeliveryVerdict;
          try {
            this.options.beforeSend?.(delivery);
            verdict = await this.attempt(destination, delivery);
            attempts++;
          } finally {
            gate.give();
          }
          if (verdict.status !== 'delivered' && delivery.ordered) {
            this.release(queue.slice(i + 1));
            return;
          }
        }
      }),
    );
    await this.flush();
    return attempts;
  }

  private async attempt(
    destination: Destination,
    delivery: ClaimedDelivery,
  ): Promise<DeliveryVerdict> {
    const outcome = await send(destination, delivery, this.signers, this.clock);
    if (outcome.result === 'retry') this.tripped.add(destination.name);
    const tries = delivery.attempts + 1;
    let verdict: DeliveryVerdict;
    if (outcome.result === 'delivered') verdict = { status: 'delivered' };
    else if (outcome.result === 'abort') verdict = { status: 'failed' };
    else {
      const next = nextAttemptAt(destination.scheduleMs, tries, this.clock());
      verdict = next === null ? { status: 'failed' } : { status: 'pending', nextAttemptAt: next };
    }
    if (verdict.status !== 'delivered')
      this.options.log.warn(
        verdict.status === 'failed'
          ? 'a delivery failed for good; it is kept (authsync deliveries retry to send it again)'
          : 'a delivery failed; it will be retried',
        {
          destination: destination.name,
          delivery: delivery.id,
          eventId: delivery.eventId,
          attempt: tries,
          error: outcome.error,
          ...(verdict.status === 'pending'
            ? { retryAt: new Date(verdict.nextAttemptAt).toISOString() }
            : {}),
        },
      );
    const { result: _, ...attempt } = outcome;
    this.results.push({ delivery, attempt, verdict });
    this.options.onAttempt?.(destination.name, outcome, verdict);
    this.startFlush();
    return verdict;
  }

  private release(deliveries: ClaimedDelivery[]): void {
    for (const d of deliveries) this.releases.push(d.id);
  }

  /** Writes results as they come, one batch at a time (whatever gathered while one was written). */
  private startFlush(): void {
    if (this.flushing) return;
    this.flushing = (async () => {
      while (this.results.length > 0 || this.releases.length > 0) {
        const results = this.results;
        const releases = this.releases;
        this.results = [];
        this.releases = [];
        await this.options.store.record(results);
        if (releases.length > 0) await this.options.store.release(releases);
      }
    })().finally(() => (this.flushing = null));
    this.flushing.catch((error: Error) =>
      this.options.log.error('recording deliveries failed; they will be sent again', {
        error: error.message,
      }),
    );
  }

  private async flush(): Promise<void> {
    this.startFlush();
    while (this.flushing) await this.flushing.catch(() => {});
    // A failed write leaves results behind: try once more, and let the error end the round.
    if (this.results.length > 0 || this.releases.length > 0) {
      const results = this.results;
      const releases = this.releases;
      this.results = [];
      this.releases = [];
      await this.options.store.record(results);
      await this.options.store.release(releases);
    }
  }
}
