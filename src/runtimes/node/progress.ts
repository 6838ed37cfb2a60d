import type { Progress } from '../../engine/sync.js';

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

/**
 * A one-line progress display on a TTY (counts and rate); silent otherwise. Several sources
 * share the line, each named by its label once there is more than one.
 */
export function progressLine(stream: NodeJS.WriteStream = process.stderr): {
  update: (p: Progress, label?: string) => void;
  done: () => void;
} {
  let shown = false;
  let lastDrawMs = 0;
  const parts = new Map<string, string>();
  return {
    update(p, label = '') {
      if (!stream.isTTY) return;
      const now = Date.now();
      const seconds = Math.max(0.001, (now - p.startedAtMs) / 1000);
      parts.set(
        label,
        `${p.count.toLocaleString('en-US')} ${NOUNS[p.phase]} (${Math.round(p.count / seconds).toLocaleString('en-US')}/s)`,
      );
      if (now - lastDrawMs < 100) return;
      lastDrawMs = now;
      const line =
        parts.size === 1
          ? [...parts.values()][0]
          : [...parts].map(([name, text]) => `${name}: ${text}`).join(' · ');
      stream.write(`\r\x1b[2K${line}`);
      drawn.set(stream, line!);
      shown = true;
    },
    done() {
      if (shown) stream.write('\n');
      drawn.delete(stream);
      shown = false;
      parts.clear();
    },
  };
}
