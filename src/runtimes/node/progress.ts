import type { Progress } from '../../engine/sync.js';

const NOUNS: Record<Progress['phase'], string> = {
  import: 'objects imported',
  events: 'events read',
  replay: 'events re-applied',
  reconcile: 'objects checked',
};

/** A one-line progress display on a TTY (counts and rate); silent otherwise. */
export function progressLine(stream: NodeJS.WriteStream = process.stderr): {
  update: (p: Progress) => void;
  done: () => void;
} {
  let shown = false;
  let lastDrawMs = 0;
  return {
    update(p) {
      if (!stream.isTTY) return;
      const now = Date.now();
      if (now - lastDrawMs < 100) return;
      lastDrawMs = now;
      const seconds = Math.max(0.001, (now - p.startedAtMs) / 1000);
      const noun = NOUNS[p.phase];
      stream.write(
        `\r${p.count.toLocaleString('en-US')} ${noun} (${Math.round(p.count / seconds).toLocaleString('en-US')}/s)   `,
      );
      shown = true;
    },
    done() {
      if (shown) stream.write('\n');
      shown = false;
    },
  };
}
