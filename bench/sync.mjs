#!/usr/bin/env node
// Sync benchmark: prints figures, asserts nothing. `npm run bench` builds first.
// Catch-up of an N-event history from the emulator (its own process) into SQLite, side by side:
//   raw     the emulator's page rate read by the same HTTP client, nothing applied
//   sync    authsync sync (single cursor), events/s, and peak RSS of the syncing process
//   slow    the same with 50 ms per request and WorkOS's 6,000 requests/min limit
// Usage: node bench/sync.mjs [--events 100000] [--slow-events 20000]
import { fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    events: { type: 'string', default: '100000' },
    'slow-events': { type: 'string', default: '20000' },
    url: { type: 'string' },
    key: { type: 'string' },
    mode: { type: 'string' },
  },
});

if (values.child === 'emulator') {
  const { startEmulator } = await import('../dist/emulator/index.js');
  const emu = await startEmulator({ seed: 'bench', events: Number(values.events) });
  process.send({ url: emu.url, apiKey: emu.apiKey });
  process.on('message', (m) => {
    emu.emulator.faults.update(m);
    process.send({ ok: true });
  });
} else if (values.child === 'sync') {
  // The syncing process, alone, so its peak RSS is its own.
  const { createSync } = await import('../dist/index.js');
  const db = join(mkdtempSync(join(tmpdir(), 'authsync-bench-')), 'bench.db');
  const sync = createSync({
    apiUrl: values.url,
    apiKey: values.key,
    databaseUrl: db,
    importOnFirstRun: false,
    settleMs: 0,
    env: {},
    maxAttempts: 100,
  });
  const started = performance.now();
  const result = await sync.runOnce();
  const seconds = (performance.now() - started) / 1000;
  await sync.close();
  process.send({
    events: result.applied,
    seconds,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  });
  process.disconnect();
} else if (values.child === 'raw') {
  const headers = { authorization: `Bearer ${values.key}` };
  const started = performance.now();
  let after = '';
  let events = 0;
  for (;;) {
    const r = await fetch(
      `${values.url}/events?order=asc&limit=100${after ? `&after=${after}` : ''}`,
      { headers },
    );
    const body = await r.json();
    events += body.data.length;
    if (body.data.length < 100) break;
    after = body.data[body.data.length - 1].id;
  }
  process.send({ events, seconds: (performance.now() - started) / 1000 });
  process.disconnect();
} else {
  await main();
}

function child(mode, extra = []) {
  const proc = fork(new URL(import.meta.url), ['--child', mode, ...extra], {
    execArgv: process.env.BENCH_PROFILE === mode ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : [],
  });
  const first = new Promise((resolve, reject) => {
    proc.once('message', resolve);
    proc.once('exit', (code) => code && reject(new Error(`${mode} exited with ${code}`)));
  });
  return { proc, first };
}

async function measure(mode, url, key) {
  const c = child(mode, ['--url', url, '--key', key]);
  const result = await c.first;
  // Let it exit by itself (a profile, if asked for, is written at exit).
  await new Promise((r) => (c.proc.exitCode !== null ? r() : c.proc.once('exit', r)));
  return result;
}

async function main() {
  const fmt = (n, d = 0) =>
    n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  console.log(`authsync sync benchmark (node ${process.version})`);
  for (const [label, events, faults] of [
    ['no added latency', values.events, null],
    [
      '50 ms/request + 6,000 req/min',
      values['slow-events'],
      { latencyMs: 50, rateLimit: { requests: 6000, windowMs: 60000 } },
    ],
  ]) {
    const emu = child('emulator', ['--events', events]);
    const { url, apiKey } = await emu.first;
    if (faults) {
      emu.proc.send(faults);
      await new Promise((r) => emu.proc.once('message', r));
    }
    const raw = await measure('raw', url, apiKey);
    const sync = await measure('sync', url, apiKey);
    emu.proc.kill();
    const rawRate = raw.events / raw.seconds;
    const syncRate = sync.events / sync.seconds;
    console.log(
      `${label}: ${fmt(Number(events))} events — raw page reading ${fmt(rawRate)} events/s; ` +
        `sync into SQLite ${fmt(syncRate)} events/s (${fmt((syncRate / rawRate) * 100)}% of raw) in ${fmt(sync.seconds, 1)} s; ` +
        `peak RSS ${fmt(sync.maxRssMb)} MB`,
    );
  }
}
