import type {
  ClaimedDelivery,
  DeliveryAttempt,
  DeliveryStore,
  DeliveryVerdict,
} from '../engine/deliveries.js';
import type { Logger } from '../engine/ports.js';
import { callHandler } from './call-handler.js';
import type { Destination } from './destination.js';
import { nextAttemptAt } from './schedule.js';
import {
  send,
  standardSigner,
  type HttpPost,
  type MakeSigner,
  type SendOutcome,
  type Sign,
} from './send.js';

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
  onAttempt?: (
    destination: string,
    outcome: SendOutcome,
    verdict: DeliveryVerdict,
    delivery: ClaimedDelivery,
  ) => void;
  /** How a delivery is POSTed (default `fetch`; Node passes undici's `request`). */
  post?: HttpPost;
  /** How deliveries are signed (default the `standardwebhooks` library; Node passes its HMAC). */
  signer?: MakeSigner;
  /** Test hook: called after a handler ran, before its result is recorded (crash injection). */
  afterHandler?: () => void;
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
  private readonly signers = new Map<string, Sign>();
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
  /** Writes of results finished so far: one after a claim can make more of its lanes due. */
  private writes = 0;
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
    return [...this.byName.values()];
  }

  /** One more destination (a handler registered with `Sync.on`). */
  add(destination: Destination): void {
    this.byName.set(destination.name, destination);
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
        total += await this.pump(signal);
      } while (this.drainAgain && !signal?.aborted);
      return total;
    })().finally(() => (this.draining = null));
    return this.draining;
  }

  /** Keeps delivering until `signal` aborts: as deliveries are committed, and as retries fall due. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      this.woken = false;
      let sent = 0;
      try {
        sent = await this.drain(signal);
        await this.prune();
      } catch (error) {
        this.options.log.error('delivering failed; trying again shortly', {
          error: (error as Error).message,
        });
      }
      // Sent some: there may be more at once. Sent none: nothing can be claimed now, whatever the
      // rows' times say (those behind a retrying or failed delivery of their lane are held), so
      // wait for a commit's wake or the next poll (retries falling due, other processes' work).
      // Looping without a pause here once starved every request of this process: with a
      // synchronous driver, a claim that finds nothing never yields to the event loop.
      if (signal.aborted || this.woken || sent > 0) continue;
      await this.idle(IDLE_POLL_MS, signal);
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

  /**
   * Claims and sends until nothing is due; returns the attempts made. Claims go on while
   * deliveries are in flight (whenever fewer lanes are busy than the destinations may send at
   * once), so no lane waits for the slowest of a batch: a lane whose delivery is in flight is
   * leased, and the claim leaves its later deliveries alone.
   */
  private async pump(signal?: AbortSignal): Promise<number> {
    const permits = new Map<string, Permits>();
    const gateOf = (d: Destination) => {
      let gate = permits.get(d.name);
      if (!gate) permits.set(d.name, (gate = new Permits(d.concurrency)));
      return gate;
    };
    // How many queues are in flight, and a promise that settles when the next one ends
    // (Promise.race over hundreds of queues would attach a handler to each, every time).
    let running = 0;
    let ended: () => void = () => {};
    let nextEnd = new Promise<void>((r) => (ended = r));
    const lowWater = 2 * Math.max(...this.destinations.map((d) => d.concurrency));
    let attempts = 0;
    let dueLeft = true;
    let writesSeen = 0;
    for (;;) {
      if (dueLeft && running < lowWater && !signal?.aborted) {
        writesSeen = this.writes;
        const queues = await this.claimQueues();
        dueLeft = queues.length > 0;
        for (const queue of queues) {
          const destination = this.byName.get(queue[0]!.destination)!;
          running++;
          void this.sendQueue(destination, queue, gateOf(destination), signal)
            .then((n) => (attempts += n))
            .catch((error: Error) =>
              this.options.log.error('sending a lane of deliveries failed', {
                error: error.message,
              }),
            )
            .finally(() => {
              running--;
              ended();
            });
        }
      }
      if (running === 0) {
        if (signal?.aborted) break;
        if (!dueLeft) {
          // Results not written yet keep their lanes' next deliveries leased: write them, then
          // look once more. So do results written since the last claim began, which may not
          // have seen them (it found a lane's head still leased, its later deliveries not due).
          if (!this.unwritten() && this.writes === writesSeen) break;
          await this.flush();
          dueLeft = true;
        }
        continue;
      }
      await nextEnd;
      nextEnd = new Promise<void>((r) => (ended = r));
      // A lane finished: its next deliveries (or others, retried) may be due now.
      dueLeft = true;
    }
    await this.flush();
    return attempts;
  }

  /** Due deliveries, claimed: ordered ones queued by lane, the rest each alone. */
  private async claimQueues(): Promise<ClaimedDelivery[][]> {
    const names = this.enabled();
    if (names.length === 0) return [];
    const now = this.clock();
    const longest = Math.max(0, ...names.map((n) => this.byName.get(n)!.timeoutMs));
    // Long enough for a few attempts in a row; a queue stops before its lease would run out.
    const leaseUntil = now + Math.max(5_000, 4 * longest);
    const claimed = await this.options.store.claim(names, now, leaseUntil, CLAIM_BATCH);
    const queues = new Map<string, ClaimedDelivery[]>();
    for (const d of claimed) {
      const key = d.ordered ? `${d.destination}\u0000${d.lane}` : `${d.destination}\u0000#${d.id}`;
      const q = queues.get(key);
      if (q) q.push(d);
      else queues.set(key, [d]);
    }
    return [...queues.values()];
  }

  /** One queue's deliveries in order; an ordered one stops at its first failure. */
  private async sendQueue(
    destination: Destination,
    queue: ClaimedDelivery[],
    gate: Permits,
    signal?: AbortSignal,
  ): Promise<number> {
    // Only while the lease outlasts an attempt (after it, another process may take the
    // delivery), and while the destination answers.
    const stop = (d: ClaimedDelivery) =>
      signal?.aborted ||
      this.tripped.has(destination.name) ||
      this.clock() + destination.timeoutMs >= d.leaseUntil;
    let attempts = 0;
    for (const [i, delivery] of queue.entries()) {
      if (stop(delivery)) {
        this.release(queue.slice(i));
        return attempts;
      }
      await gate.take();
      if (stop(delivery)) {
        gate.give();
        this.release(queue.slice(i));
        return attempts;
      }
      let verdict: DeliveryVerdict;
      try {
        verdict = await this.attempt(destination, delivery);
        attempts++;
      } finally {
        gate.give();
      }
      if (verdict.status !== 'delivered' && delivery.ordered) {
        this.release(queue.slice(i + 1));
        return attempts;
      }
    }
    return attempts;
  }

  private async attempt(
    destination: Destination,
    delivery: ClaimedDelivery,
  ): Promise<DeliveryVerdict> {
    const outcome = destination.handler
      ? await callHandler(destination, delivery, this.clock)
      : await send(destination, delivery, this.signer(destination), this.clock, this.options.post);
    if (destination.handler) this.options.afterHandler?.();
    // An endpoint that fails one delivery will fail the next: leave it alone until the next
    // drain. A handler's failure is its event's (its other lanes go on).
    if (outcome.result === 'retry' && !destination.handler) this.tripped.add(destination.name);
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
    this.options.onAttempt?.(destination.name, outcome, verdict, delivery);
    this.startFlush();
    return verdict;
  }

  private signer(destination: Destination): Sign {
    let sign = this.signers.get(destination.name);
    if (!sign)
      this.signers.set(
        destination.name,
        (sign = (this.options.signer ?? standardSigner)(destination.secrets[0]!)),
      );
    return sign;
  }

  private unwritten(): boolean {
    return this.results.length > 0 || this.releases.length > 0 || this.flushing !== null;
  }

  private release(deliveries: ClaimedDelivery[]): void {
    for (const d of deliveries) this.releases.push(d.id);
  }

  /** Writes results as they come, one batch at a time (whatever gathered while one was written). */
  private startFlush(): void {
    if (this.flushing) return;
    this.flushing = (async () => {
      // A moment for the answers arriving together to share one transaction.
      await new Promise((r) => setTimeout(r, 1));
      while (this.results.length > 0 || this.releases.length > 0) {
        const results = this.results;
        const releases = this.releases;
        this.results = [];
        this.releases = [];
        await this.options.store.record(results);
        if (releases.length > 0) await this.options.store.release(releases);
        this.writes++;
      }
    })().finally(() => (this.flushing = null));
    this.flushing.catch((error: Error) =>
      this.options.log.error('recording deliveries failed; they will be sent again', {
        error: error.message,
      }),
    );
  }

  /**
   * Waits until everything gathered so far is written. A write that fails is logged; its
   * deliveries stay leased and are sent again once their leases run out (at least once).
   */
  private async flush(): Promise<void> {
    while (this.results.length > 0 || this.releases.length > 0 || this.flushing) {
      this.startFlush();
      await this.flushing?.catch(() => {});
    }
  }
}
