#!/usr/bin/env node
// Sync benchmark: prints figures, asserts nothing. `npm run bench` builds first.
// Catch-up of an N-event history from the emulator (its own process) into SQLite, side by side:
//   raw     the emulator's page rate read by the same HTTP client, nothing applied
//   sync    authsync sync (single cursor), events/s, and peak RSS of the syncing process
//   floor   SQLite alone: the same statements replayed (bench/apply.mjs --floor)
//   slow    the same with 50 ms per request and WorkOS's 6,000 requests/min limit
// Usage: node bench/sync.mjs [--events 100000] [--slow-events 20000]
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    events: { type: 'string', default: '100000' },
    'slow-events': { type: 'string', default: '100000' },
    url: { type: 'string' },
    key: { type: 'string' },
    mode: { type: 'string' },
    parallelism: { type: 'string', default: '12' },
    'client-limit': { type: 'string' },
    store: { type: 'string', default: 'sqlite' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
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
  // The syncing process, alone, so its peak RSS is its own; its heap set up as the CLI sets it.
  const { createSync, limitHeapGrowth } = await import('../dist/index.js');
  limitHeapGrowth();
  const postgres = values.store === 'postgres';
  const schema = `bench_${process.pid}`;
  const dir = postgres ? null : mkdtempSync(join(tmpdir(), 'authsync-bench-'));
  const db = dir ? join(dir, 'bench.db') : values['pg-url'];
  const sync = createSync({
    apiUrl: values.url,
    apiKey: values.key,
    databaseUrl: db,
    schema,
    importOnFirstRun: false,
    settleMs: 0,
    env: {},
    maxAttempts: 100,
    readParallelism: Number(values.parallelism),
    ...(values['client-limit'] ? { rateLimit: JSON.parse(values['client-limit']) } : {}),
  });
  const started = performance.now();
  const result = await sync.runOnce();
  const seconds = (performance.now() - started) / 1000;
  await sync.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (postgres) {
    const pg = (await import('pg')).default;
    const client = new pg.Client(values['pg-url']);
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
  process.send({
    events: result.applied,
    seconds,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  });
  process.disconnect();
} else if (values.child === 'raw') {
  // The same HTTP client as the sync (undici's `request` on Node), so the two differ only by
  // the applying.
  const { undiciGet } = await import('../dist/runtimes/node/http-get.js');
  const headers = { authorization: `Bearer ${values.key}` };
  const started = performance.now();
  let after = '';
  let events = 0;
  for (;;) {
    const r = await undiciGet(
      new URL(`${values.url}/events?order=asc&limit=100${after ? `&after=${after}` : ''}`),
      { headers, signal: AbortSignal.timeout(30_000) },
    );
    const body = JSON.parse(await r.text());
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

async function measure(mode, url, key, extra = []) {
  const c = child(mode, ['--url', url, '--key', key, ...extra]);
  const result = await c.first;
  // Let it exit by itself (a profile, if asked for, is written at exit).
  await new Promise((r) => (c.proc.exitCode !== null ? r() : c.proc.once('exit', r)));
  return result;
}

function applyFloor(events) {
  const out = execFileSync(
    process.execPath,
    [
      new URL('apply.mjs', import.meta.url).pathname,
      '--floor',
      '--json',
      '--events',
      String(events),
    ],
    { encoding: 'utf8' },
  );
  return JSON.parse(out.trim().split('\n').at(-1));
}

async function emulator(events, faults) {
  const emu = child('emulator', ['--events', String(events)]);
  const { url, apiKey } = await emu.first;
  if (faults) {
    emu.proc.send(faults);
    await new Promise((r) => emu.proc.once('message', r));
  }
  return { url, apiKey, stop: () => emu.proc.kill() };
}

async function main() {
  const fmt = (n, d = 0) =>
    n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  console.log(`authsync sync benchmark (node ${process.version})`);

  // 1. No added latency: catch-up against the raw page rate, and the syncing process's peak RSS.
  {
    const events = Number(values.events);
    const emu = await emulator(events, null);
    const raw = await measure('raw', emu.url, emu.apiKey);
    const sync = await measure('sync', emu.url, emu.apiKey, ['--parallelism', '1']);
    const parallel = await measure('sync', emu.url, emu.apiKey, ['--parallelism', '12']);
    const postgres = await measure('sync', emu.url, emu.apiKey, [
      '--parallelism',
      '12',
      '--store',
      'postgres',
      '--pg-url',
      values['pg-url'],
    ]);
    emu.stop();
    const rawRate = raw.events / raw.seconds;
    for (const [label, r] of [
      ['one cursor', sync],
      ['12 parallel slices', parallel],
    ]) {
      const rate = r.events / r.seconds;
      console.log(
        `no added latency, ${fmt(events)} events, ${label}: ${fmt(rate)} events/s into SQLite = ${fmt((rate / rawRate) * 100)}% of ` +
          `the raw page rate (${fmt(rawRate)} events/s, reading only) — ${fmt(r.seconds, 1)} s, peak RSS ${fmt(r.maxRssMb)} MB  [targets: >= 20,000/s, >= 50%, < 200 MB]`,
      );
    }
    // SQLite's own share: the statements of the same catch-up replayed with prepared values,
    // against the time half the raw page rate leaves for the whole of syncing.
    const floor = applyFloor(events);
    console.log(
      `no added latency, ${fmt(events)} events: SQLite alone (the sync's ${fmt(floor.floor.statements)} statements replayed, ` +
        `nothing read, parsed or projected) ${fmt(floor.floor.seconds, 2)} s, ${fmt(floor.floor.cpu, 2)} s of CPU; ` +
        `half the raw page rate leaves ${fmt((2 * raw.seconds * events) / raw.events, 2)} s for all of it`,
    );
    const pgRate = postgres.events / postgres.seconds;
    const sqliteRate = parallel.events / parallel.seconds;
    console.log(
      `no added latency, ${fmt(events)} events, 12 parallel slices, one process: ${fmt(pgRate)} events/s into PostgreSQL = ` +
        `${fmt((pgRate / sqliteRate) * 100)}% of SQLite's rate above — ${fmt(postgres.seconds, 1)} s, peak RSS ${fmt(postgres.maxRssMb)} MB  [target: >= 50% of SQLite]`,
    );
  }

  // 2. 50 ms per request and WorkOS's rate (6,000/min = 100/s). The limit is enforced over 10 s
  //    here (1,000 per 10 s), so that a run of seconds is bound by it as a long catch-up would be
  //    by the minute; the client keeps its own budget just under it (970 per 10 s).
  {
    const events = Number(values['slow-events']);
    const emu = await emulator(events, {
      latencyMs: 50,
      rateLimit: { requests: 1000, windowMs: 10_000 },
    });
    const clientLimit = JSON.stringify({ requests: 970, windowMs: 10_000 });
    const single = await measure('sync', emu.url, emu.apiKey, [
      '--parallelism',
      '1',
      '--client-limit',
      clientLimit,
    ]);
    const parallel = await measure('sync', emu.url, emu.apiKey, [
      '--parallelism',
      '12',
      '--client-limit',
      clientLimit,
    ]);
    emu.stop();
    const allowed = 100 * 100;
    for (const [label, r] of [
      ['one cursor', single],
      ['12 parallel slices', parallel],
    ]) {
      const rate = r.events / r.seconds;
      console.log(
        `50 ms/request + 1,000 requests/10 s limit, ${fmt(events)} events, ${label}: ${fmt(rate)} events/s = ${fmt((rate / allowed) * 100)}% of ` +
          `what the limit allows (${fmt(allowed)}/s) — ${fmt(r.seconds, 1)} s, peak RSS ${fmt(r.maxRssMb)} MB`,
      );
    }
  }
}
