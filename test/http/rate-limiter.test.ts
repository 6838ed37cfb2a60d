import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/http/rate-limiter.js';

/** When each of `n` takes resolved, in ms after the first call (real timers, small numbers). */
async function takeTimes(limiter: RateLimiter, n: number): Promise<number[]> {
  const start = performance.now();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    await limiter.take();
    times.push(performance.now() - start);
  }
  return times;
}

describe('the client-side request budget', () => {
  it('a window: that many at once, the next when the oldest leaves the window', async () => {
    const times = await takeTimes(new RateLimiter(3, 300), 4);
    expect(times.slice(0, 3).every((t) => t < 50)).toBe(true);
    expect(times[3]).toBeGreaterThanOrEqual(290);
  });

  it('a token bucket (burst): the burst at once, then one per refill interval, not a window at once', async () => {
    // 20 per second (one per 50 ms), burst 3.
    const times = await takeTimes(new RateLimiter(20, 1000, Date.now, 3), 7);
    expect(times.slice(0, 3).every((t) => t < 30)).toBe(true);
    // Each later one no sooner than its token: the bucket refills on a schedule, so a take that
    // its timer made late does not push the next one back (a gap of < 50 ms between two is fine).
    // 5 ms for the limiter's Date.now against performance.now here.
    for (let i = 3; i < 7; i++) expect(times[i]!).toBeGreaterThanOrEqual((i - 2) * 50 - 5);
  });

  it('pauseUntil holds every request back until the time the server named', async () => {
    const limiter = new RateLimiter(1000, 1000, Date.now, 100);
    limiter.pauseUntil(Date.now() + 120);
    const times = await takeTimes(limiter, 2);
    expect(times[0]).toBeGreaterThanOrEqual(110);
    expect(times[1]! - times[0]!).toBeLessThan(30);
  });
});
