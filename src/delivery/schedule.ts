/** The default waits after each failed attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const DEFAULT_SCHEDULE_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds from a number, or a text such as `500ms`, `5s`, `5m`, `2h`, `1d`; null if neither. */
export function parseDuration(value: number | string): number | null {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : null;
  const m = /^(\d{1,9})(ms|s|m|h|d)?$/.exec(value.trim());
  return m ? Number(m[1]) * UNITS[m[2] ?? 'ms']! : null;
}

/**
 * When a delivery that failed its `attempts`-th attempt is tried next: the schedule's wait for
 * that attempt, with ±20% jitter (so deliveries that failed together do not all come back at
 * once); null when the schedule is used up.
 */
export function nextAttemptAt(
  scheduleMs: readonly number[],
  attempts: number,
  now: number,
  random: () => number = Math.random,
): number | null {
  const wait = scheduleMs[attempts - 1];
  if (wait === undefined) return null;
  return Math.round(now + wait * (0.8 + 0.4 * random()));
}
