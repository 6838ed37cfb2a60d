import type { World } from '../state/world.js';
import { ScenarioGenerator } from './generator.js';

export interface HistoryOptions {
  /** Exactly this many events are generated. */
  events: number;
  /** `created_at` spreads over this many days before `endsAtMs`. */
  days: number;
  /** The instant the history ends (default: now). Fix it to get byte-identical streams. */
  endsAtMs?: number;
  onProgress?: (generated: number) => void;
}

/** Builds a past history of exactly `events` events into `world`. */
export function generateHistory(
  world: World,
  generator: ScenarioGenerator,
  options: HistoryOptions,
): void {
  const { events, days } = options;
  if (!Number.isInteger(events) || events < 0)
    throw new Error(`events must be a whole number >= 0 (got ${events})`);
  if (!(days > 0)) throw new Error(`days must be > 0 (got ${days})`);
  const endsAtMs = options.endsAtMs ?? Date.now();
  const spanMs = days * 24 * 3600 * 1000;
  const startMs = endsAtMs - spanMs;
  const gapMs = spanMs / Math.max(events, 1);
  const random = world.random;
  let lastMs = startMs;
  const first = world.events.length;
  const target = first + events;
  while (world.events.length < target) {
    const done = world.events.length - first;
    // Spread evenly with jitter; burst steps follow each other within milliseconds.
    const evenMs = startMs + done * gapMs + random.float() * gapMs;
    const ms = generator.inBurst ? lastMs + 1 + random.int(200) : Math.max(lastMs, evenMs);
    lastMs = Math.min(Math.floor(ms), endsAtMs - 1);
    world.at(lastMs, () => generator.step(target - world.events.length));
    if (options.onProgress && done % 10000 === 0) options.onProgress(done);
  }
}
