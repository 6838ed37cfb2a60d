import { setFlagsFromString } from 'node:v8';

/**
 * Keeps a syncing process's heap near what it holds. On a machine with a few GB of memory V8
 * lets the old generation grow to about four times its live size before a full collection; a
 * catch-up's pages and batches live just long enough to be promoted, then die, so a process
 * holding ~20 MB peaked at 200-220 MB RSS. With a growth factor of 2 it peaks at 150-175 MB
 * (bench/sync.mjs, 300,000 events) for a few more full collections. V8 reads the flag at each
 * full collection, so setting it after start works. The CLI calls this; an application that
 * embeds authsync may too, knowing it applies to its whole process.
 */
export function limitHeapGrowth(percent = 100): void {
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
