#!/usr/bin/env node
// Apply-only benchmark: prints figures, asserts nothing. The events come from an in-process
// emulator, already parsed, so this measures projection + SQLite alone (no HTTP).
// Usage: node bench/apply.mjs [--events 100000] [--dir /dev/shm]   (run `npm run build` first)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Emulator } from '../dist/emulator/index.js';
import { SyncEngine } from '../dist/engine/sync.js';
import { project } from '../dist/projections/index.js';
import { snapshotChanges } from '../dist/projections/snapshot.js';
import { SqliteStore } from '../dist/stores/sqlite/sqlite-store.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    dir: { type: 'string', default: tmpdir() },
  },
});
const count = Number(values.events);
const emulator = new Emulator({ seed: 'bench', events: count });
const pages = [];
for (let i = 0; i < count; i += 100) {
  const page = [];
  for (let j = i; j < Math.min(count, i + 100); j++)
    page.push(JSON.parse(emulator.world.events.at(j).json));
  pages.push(page);
}
const store = new SqliteStore(join(mkdtempSync(join(values.dir, 'authsync-apply-')), 'apply.db'));
await store.migrate();
let next = 0;
const engine = new SyncEngine({
  store,
  events: { readPage: async () => pages[next++] ?? [] },
  projector: { project, snapshotChanges },
  importOnFirstRun: false,
  settleMs: 0,
  readParallelism: 1,
});
const started = performance.now();
const result = await engine.drain();
const seconds = (performance.now() - started) / 1000;
await store.close();
console.log(
  `apply only (${store.driver.name}, database in ${values.dir}): ${result.applied.toLocaleString('en-US')} events in ${seconds.toFixed(1)} s = ` +
    `${Math.round(result.applied / seconds).toLocaleString('en-US')} events/s`,
);
