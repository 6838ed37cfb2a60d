/**
 * A client-side request budget shared by every request to one API: at most `requests` in any
 * `windowMs` (for example WorkOS: 6,000 per 60 s per IP, all endpoints). Parallel
 * readers share it, so they slow down before the server has to answer 429.
 *
 * With `burst`, a token bucket instead (as Auth0 limits): at most `burst` at once, refilled at
 * `requests` per `windowMs`, so requests are spread at the sustained rate rather than sent in a
 * window's worth at once and refused. `pauseUntil` holds every request back until a time the
 * server named (a 429's Retry-After, or a bucket it says is empty).
 */
/** Time requests waited for the client-side budget (ms): in all, and in the wait going on now. */
export type RateLimitWaits = () => { totalMs: number; currentMs: number };

export class RateLimiter {
  /** Send times of the most recent requests, oldest first (at most `requests`). */
  private readonly sent: number[] = [];
  private tokens: number;
  private tokensAt: number;
  private pausedUntil = 0;
  /** Requests waiting now, since when at least one has, and the time waited before that. */
  private waiters = 0;
  private waitingSince = 0;
  private waitedMs = 0;

  constructor(
    private readonly requests: number,
    private readonly windowMs: number,
    private readonly clock: () => number = Date.now,
    private readonly burst?: number,
  ) {
    if (!(requests >= 1) || !(windowMs > 0) || (burst !== undefined && !(burst >= 1)))
      throw new Error(`invalid rate limit ${requests} per ${windowMs} ms`);
    this.tokens = burst ?? 0;
    this.tokensAt = clock();
  }

  /** No request is sent before `atMs`. */
  pauseUntil(atMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, atMs);
  }

  /** Time requests waited for the budget (any of them; ms): in all, and in the wait going on now. */
  waits(): { totalMs: number; currentMs: number } {
    const current = this.waiters > 0 ? this.clock() - this.waitingSince : 0;
    return { totalMs: this.waitedMs + current, currentMs: current };
  }

  /** Resolves when a request may be sent. */
  async take(signal?: AbortSignal): Promise<void> {
    let waited = false;
    try {
      await this.takeWaiting(signal, () => {
        if (waited) return;
        waited = true;
        if (this.waiters++ === 0) this.waitingSince = this.clock();
      });
    } finally {
      if (waited && --this.waiters === 0) this.waitedMs += this.clock() - this.waitingSince;
    }
  }

  private async takeWaiting(signal: AbortSignal | undefined, waiting: () => void): Promise<void> {
    for (;;) {
      const now = this.clock();
      const waitMs = Math.max(
        this.pausedUntil - now,
        this.burst ? this.bucketWait(now) : this.windowWait(now),
      );
      if (waitMs <= 0) {
        if (this.burst) this.tokens -= 1;
        else this.sent.push(now);
        return;
      }
      signal?.throwIfAborted();
      waiting();
      await new Promise((r) => setTimeout(r, waitMs + 1));
    }
  }

  private windowWait(now: number): number {
    while (this.sent.length > 0 && (this.sent[0] as number) <= now - this.windowMs)
      this.sent.shift();
    return this.sent.length < this.requests ? 0 : (this.sent[0] as number) + this.windowMs - now;
  }

  private bucketWait(now: number): number {
    const msPerToken = this.windowMs / this.requests;
    this.tokens = Math.min(this.burst!, this.tokens + (now - this.tokensAt) / msPerToken);
    this.tokensAt = now;
    return this.tokens >= 1 ? 0 : (1 - this.tokens) * msPerToken;
  }
}
