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
export class RateLimiter {
  /** Send times of the most recent requests, oldest first (at most `requests`). */
  private readonly sent: number[] = [];
  private tokens: number;
  private tokensAt: number;
  private pausedUntil = 0;

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

  /** Resolves when a request may be sent. */
  async take(signal?: AbortSignal): Promise<void> {
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
