import type { Random } from './random.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * Monotonic ULIDs, as WorkOS uses for every object id (`user_01H...`, `event_01H...`).
 * Ids made by one generator sort in the order they were made, even within one millisecond,
 * which lets the event log find `after=<id>` by binary search.
 */
export class UlidGenerator {
  private lastMs = -1;
  private lastRandom: number[] = [];

  constructor(private readonly random: Random) {}

  next(ms: number): string {
    if (ms > this.lastMs) {
      this.lastMs = ms;
      this.lastRandom = Array.from({ length: 16 }, () => this.random.int(32));
    } else {
      // Same (or earlier) millisecond: keep the time part and count up, so order holds.
      this.increment();
    }
    let time = '';
    let rest = this.lastMs;
    for (let i = 0; i < 10; i++) {
      time = CROCKFORD[rest % 32] + time;
      rest = Math.floor(rest / 32);
    }
    return time + this.lastRandom.map((d) => CROCKFORD[d]).join('');
  }

  private increment(): void {
    for (let i = this.lastRandom.length - 1; i >= 0; i--) {
      const digit = (this.lastRandom[i] as number) + 1;
      if (digit < 32) {
        this.lastRandom[i] = digit;
        return;
      }
      this.lastRandom[i] = 0;
    }
  }
}
