#!/usr/bin/env node
// Worker benchmark: prints figures, asserts nothing. `npm run bench` builds first.
// A backlog of N new events in the emulator (after a first import of a small history), drained:
//   node    authsync on Node into SQLite (one `runOnce`), events/s
//   worker  authsync/worker in workerd (Miniflare) into D1: one scheduled run with a 30-second
//           budget (AUTHSYNC_RUN_BUDGET_MS), then runs until the backlog is drained; events/s
//           per run and how many events one run drained within the budget
// Usage: node bench/worker.mjs [--events 100000] [--budget-ms 30000]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Miniflare } from 'miniflare';
import { createSync } from '../dist/index.js';
import { startEmulator } from '../dist/emulator/index.js';
import { bundleWorker, collectRuns, migrateD1, scheduled as tick } from './lib/workerd.mjs';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    'budget-ms': { type: 'string', default: '30000' },
  },
});
const events = Number(values.events);
const budgetMs = Number(values['budget-ms']);

const emu = await startEmulator({ seed: 'bench-worker', events: 2000 });

// Node + SQLite: import now, drain the backlog later.
const node = createSync({
  apiUrl: emu.url,
  apiKey: emu.apiKey,
  databaseUrl: join(mkdtempSync(join(tmpdir(), 'authsync-bench-')), 'bench.db'),
  settleMs: 0,
  env: {},
});
await node.runOnce();

const dir = mkdtempSync(join(tmpdir(), 'authsync-bench-worker-'));
const script = await bundleWorker(dir);
const reports = [];
const mf = new Miniflare({
  modules: [{ type: 'ESModule', path: 'worker.mjs', contents: script }],
  compatibilityDate: '2025-09-01',
  d1Databases: { DB: 'authsync-bench' },
  d1Persist: join(dir, 'd1'),
  // Cron ticks as plain requests (see lib/workerd.mjs).
  unsafeTriggerHandlers: true,
  bindings: {
    WORKOS_API_KEY: emu.apiKey,
    WORKOS_API_URL: emu.url,
    AUTHSYNC_SETTLE_MS: '0',
    AUTHSYNC_RUN_BUDGET_MS: String(budgetMs),
  },
  handleRuntimeStdio: collectRuns(reports),
});
const d1 = await mf.getD1Database('DB');
await migrateD1(d1);
const scheduled = () => tick(mf, reports);
await scheduled(); // first import

console.log(`backlog: ${events.toLocaleString('en-US')} new events (emulator in this process)`);
emu.emulator.generateNow(events);

let started = performance.now();
const nodeResult = await node.runOnce();
const nodeSeconds = (performance.now() - started) / 1000;
const nodeRate = nodeResult.applied / nodeSeconds;
await node.close();
console.log(
  `node+sqlite  ${nodeResult.applied.toLocaleString('en-US')} events in ${nodeSeconds.toFixed(1)} s = ${Math.round(nodeRate).toLocaleString('en-US')} events/s`,
);

started = performance.now();
const runs = [];
for (;;) {
  const report = await scheduled();
  runs.push(report);
  if (!report.stoppedAtBudget || report.error || runs.length > 50) break;
}
const total = runs.reduce((n, r) => n + (r.applied ?? 0), 0);
const seconds = (performance.now() - started) / 1000;
const first = runs[0];
const firstRate = (first.applied ?? 0) / (first.durationMs / 1000);
console.log(
  `worker+d1    run 1: ${(first.applied ?? 0).toLocaleString('en-US')} events in ${(first.durationMs / 1000).toFixed(1)} s (budget ${budgetMs / 1000} s${first.stoppedAtBudget ? ', stopped at it' : ', drained'}) = ${Math.round(firstRate).toLocaleString('en-US')} events/s`,
);
console.log(
  `worker+d1    ${runs.length} run(s): ${total.toLocaleString('en-US')} events in ${seconds.toFixed(1)} s = ${Math.round(total / seconds).toLocaleString('en-US')} events/s; ${
    runs
      .map((r) => r.error ?? '')
      .filter(Boolean)
      .join('; ') || 'no errors'
  }`,
);
console.log(
  `ratio        worker+d1 / node+sqlite (per-run rate): ${((firstRate / nodeRate) * 100).toFixed(0)}%`,
);
await mf.dispose();
await emu.close();
