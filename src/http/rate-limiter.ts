/**
 * A client-side request budget shared by every request to one API: at most `requests` in any
 * `windowMs` (for example WorkOS: 6,000 per 60 s per IP, all endpoints). Parallel
 * readers share it, so they slow down before the server has to answer 429.
 */
export class RateLimiter {
  /** Send times of the most recent requests, oldest first (at most `requests`). */
  private readonly sent: number[] = [];

  constructor(
    private readonly requests: number,
    private readonly windowMs: number,
    private readonly clock: () => number = Date.now,
  ) {
    if (!(requests >= 1) || !(windowMs > 0))
      throw new Error(`invalid rate limit ${requests} per ${windowMs} ms`);
  }

  /** Resolves when a request may be sent. */
  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = this.clock();
      while (this.sent.length > 0 && (this.sent[0] as number) <= now - this.windowMs)
        this.sent.shift();
      if (this.sent.length < this.requests) {
        this.sent.push(now);
        return;
      }
      signal?.throwIfAborted();
      await new Promise((r) => setTimeout(r, (this.sent[0] as number) + this.windowMs - now + 1));
    }
  }
}
