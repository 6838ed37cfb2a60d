import type { Progress } from '../../engine/sync.js';
import { duration, totalsText } from '../../status-report.js';

const NOUNS: Record<Progress['phase'], string> = {
  import: 'objects imported',
  events: 'events read',
  replay: 'events re-applied',
  reconcile: 'objects checked',
};

/** The progress line on the terminal now, by stream: log lines are written above it. */
const drawn = new WeakMap<NodeJS.WriteStream, string>();

/** Writes `text` (whole lines) where the progress line is, then draws the progress line again below it. */
export function aboveProgress(stream: NodeJS.WriteStream, text: string): void {
  const line = drawn.get(stream);
  stream.write(line === undefined ? text : `\r\x1b[2K${text}${line}`);
}

/** Where one source stands, and what it says. */
interface Part {
  progress: Progress;
  /** The first newest-event time seen, and when (for the catch-up speed). */
  firstSeen?: { eventMs: number; atMs: number };
  waits?: () => { totalMs: number; currentMs: number };
}

/**
 * One part of the line: phase, count, rate; importing, the count of each kind whose total the
 * provider gave; reading events, how far behind the head it is and
 * when it will be there at this speed; and time waited on the client-side rate budget (so a
 * line that stands still says why).
 */
function describe(part: Part, now: number): string {
  const p = part.progress;
  const seconds = Math.max(0.001, (now - p.startedAtMs) / 1000);
  const bits = [
    `${p.count.toLocaleString('en-US')} ${NOUNS[p.phase]} (${Math.round(p.count / seconds).toLocaleString('en-US')}/s)`,
  ];
  const ofTotals = totalsText(p.totals);
  if (ofTotals) bits.push(ofTotals);
  if (p.lastEventAt) {
    const eventMs = Date.parse(p.lastEventAt);
    const behindMs = now - eventMs;
    part.firstSeen ??= { eventMs, atMs: now };
    // Event time covered per second of reading: above 1, the head gets nearer.
    const speed = (eventMs - part.firstSeen.eventMs) / Math.max(1, now - part.firstSeen.atMs);
    if (behindMs > 60_000)
      bits.push(
        `${duration(behindMs)} behind${speed > 1 ? `, at the head in ~${duration(behindMs / (speed - 1))}` : ''}`,
      );
  }
  const waits = part.waits?.();
  if (waits && waits.totalMs >= 1000)
    bits.push(
      waits.currentMs >= 1000
        ? `waiting for the rate budget ${duration(waits.currentMs)} (${duration(waits.totalMs)} in all)`
        : `${duration(waits.totalMs)} waited for the rate budget`,
    );
  return bits.join(', ');
}

/**
 * A one-line progress display on a TTY; silent otherwise. Several sources share the line, each
 * named by its label once there is more than one. Redrawn every second as well, so that a wait
 * (for the rate budget) shows while nothing else moves.
 */
export function progressLine(stream: NodeJS.WriteStream = process.stderr): {
  update: (p: Progress, label?: string) => void;
  /** How long this source's reads waited for the rate budget, asked at each redraw. */
  watch: (waits: () => { totalMs: number; currentMs: number }, label?: string) => void;
  done: () => void;
} {
  let shown = false;
  let lastDrawMs = 0;
  const parts = new Map<string, Part>();
  const waitsOf = new Map<string, () => { totalMs: number; currentMs: number }>();
  let timer: ReturnType<typeof setInterval> | null = null;
  const draw = (now: number) => {
    lastDrawMs = now;
    const texts = [...parts].map(([name, part]) => [name, describe(part, now)] as const);
    const line =
      texts.length === 1
        ? texts[0]![1]
        : texts.map(([name, text]) => `${name}: ${text}`).join(' · ');
    stream.write(`\r\x1b[2K${line}`);
    drawn.set(stream, line);
    shown = true;
  };
  return {
    update(p, label = '') {
      if (!stream.isTTY) return;
      const part = parts.get(label);
      if (part) part.progress = p;
      else parts.set(label, { progress: p, waits: waitsOf.get(label) });
      timer ??= setInterval(() => parts.size > 0 && draw(Date.now()), 1000).unref();
      const now = Date.now();
      if (now - lastDrawMs >= 100) draw(now);
    },
    watch(waits, label = '') {
      waitsOf.set(label, waits);
      const part = parts.get(label);
      if (part) part.waits = waits;
    },
    done() {
      if (timer) clearInterval(timer);
      timer = null;
      if (shown) stream.write('\n');
      drawn.delete(stream);
      shown = false;
      parts.clear();
    },
  };
}
