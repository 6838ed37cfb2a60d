import type { Logger } from './engine/ports.js';
import { sleep } from './engine/sleep.js';
import type { ReaderLease, SyncStore } from './engine/store.js';
import { CredentialsRefusedError } from './http/get-json.js';

/** After a webhook, the first re-poll for events the API has not shown yet (then doubling). */
const HELD_POLL_FIRST_MS = 100;
/** Webhooks ring polls at most this often (each poll re-reads the unsettled head). */
const DOORBELL_GAP_MS = 50;
/** A standby asks for the reader role this often: a dead reader is replaced within ~this. */
const STANDBY_POLL_MS = 1000;

/**
 * Following the stream: when to drain, when to sweep overdue webhook events, and (where several
 * processes share the database) whether this process reads at all. Polls every `pollIntervalMs`;
 * at once when a webhook rings; and, while webhook-delivered events wait for the API to show
 * them, again after 100 ms, 200 ms, 400 ms... (the API can show an event a few seconds after its
 * webhook). After failures it backs off (up to 60 s); webhooks then make it retry no more often
 * than every `pollIntervalMs`. Stops on a rejected API key.
 */
export class Follower {
  isReader = false;
  private wakeUp: (() => void) | null = null;
  private wakeRequested = false;
  private failures = 0;
  /**
   * Why reading fails, for readiness, until a drain succeeds: a refused key at once, any other
   * error from its third failure in a row (one network blip is not worth a failed probe).
   */
  problem: string | null = null;
  private lastAttemptAtMs = 0;

  constructor(
    private readonly options: {
      store: SyncStore;
      log: Logger;
      pollIntervalMs: number;
      graceMs: number;
      /** Drains the stream to its head. */
      drain: (signal: AbortSignal) => Promise<unknown>;
      /** Applies webhook events the API has not shown within the grace period. */
      sweep: () => Promise<unknown>;
    },
  ) {}

  async run(signal: AbortSignal): Promise<void> {
    const { store, log, pollIntervalMs } = this.options;
    const lease = store.readerLease?.();
    lease?.onDoorbell(() => this.wake());
    const sweeper = this.sweepOverdue(signal);
    let heldPollMs = HELD_POLL_FIRST_MS;
    try {
      while (!signal.aborted) {
        if (lease && !(await this.holdReaderRole(lease))) {
          // Standing by: another process reads. Ask again soon, to take over if it dies.
          await this.sleep(Math.min(pollIntervalMs, STANDBY_POLL_MS), signal);
          continue;
        }
        this.wakeRequested = false;
        this.lastAttemptAtMs = Date.now();
        try {
          await this.options.drain(signal);
          this.failures = 0;
          this.problem = null;
        } catch (error) {
          if (signal.aborted) break;
          this.failures++;
          // A refused key is said at once and kept for readiness (/readyz names it); the loop
          // goes on with backoff, so webhooks still reach the inbox and a key restored on the
          // provider's side (or a passing 401) needs no restart.
          const refused = error instanceof CredentialsRefusedError;
          if (refused) this.problem = (error as Error).message;
          else if (this.failures >= 3)
            this.problem = `reading fails (${this.failures} times in a row): ${(error as Error).message}`;
          log.error(
            refused ? 'the API refused the key; will retry' : 'sync step failed; will retry',
            {
              error: (error as Error).message,
              failures: this.failures,
            },
          );
        }
        let wait = pollIntervalMs;
        if (this.failures > 0) wait = Math.min(60_000, 1000 * 2 ** this.failures);
        // A doorbell polls at once, but no more often than every DOORBELL_GAP_MS under a flood.
        else if (this.wakeRequested)
          wait = Math.max(0, this.lastAttemptAtMs + DOORBELL_GAP_MS - Date.now());
        else if ((await store.backlog()).held > 0) {
          wait = Math.min(heldPollMs, pollIntervalMs);
          heldPollMs *= 2;
        }
        if (this.wakeRequested) heldPollMs = HELD_POLL_FIRST_MS;
        if (wait > 0 && !signal.aborted) await this.sleep(wait, signal);
        this.wakeUp = null;
      }
    } finally {
      await sweeper;
      await lease?.release();
      this.isReader = false;
    }
  }

  /** Polls now instead of at the next interval (a webhook rang). */
  wake(): void {
    this.wakeRequested = true;
    this.wakeUp?.();
  }

  /** Whether this process reads the stream now (logged when that changes). */
  private async holdReaderRole(lease: ReaderLease): Promise<boolean> {
    let holds = false;
    try {
      holds = await lease.hold();
    } catch (error) {
      this.options.log.error('could not ask for the reader role; will retry', {
        error: (error as Error).message,
      });
    }
    if (holds !== this.isReader)
      this.options.log.info(
        holds
          ? 'reading the event stream (reader role taken)'
          : 'standing by: another process reads the event stream',
      );
    this.isReader = holds;
    return holds;
  }

  /** Sweeps overdue webhook events on a timer of its own, a few times per grace period. */
  private async sweepOverdue(signal: AbortSignal): Promise<void> {
    const every = Math.min(15_000, Math.max(50, this.options.graceMs / 4));
    while (!signal.aborted) {
      await sleep(every, signal).catch(() => {});
      if (signal.aborted) return;
      if (this.options.store.readerLease && !this.isReader) continue;
      await this.options.sweep().catch((error: Error) =>
        this.options.log.error('applying overdue webhook events failed; will retry', {
          error: error.message,
        }),
      );
    }
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      let timer = setTimeout(done, ms);
      const dueAt = Date.now() + ms;
      this.wakeUp = () => {
        // A webhook brings the next poll forward: to DOORBELL_GAP_MS after the last one, or
        // while backing off after failures, to one poll interval after the last try.
        const retryAt =
          this.lastAttemptAtMs +
          (this.failures > 0 ? this.options.pollIntervalMs : DOORBELL_GAP_MS);
        if (retryAt < dueAt) {
          clearTimeout(timer);
          timer = setTimeout(done, Math.max(0, retryAt - Date.now()));
        }
      };
      signal.addEventListener('abort', done, { once: true });
      if (this.wakeRequested) this.wakeUp();
    });
  }
}
