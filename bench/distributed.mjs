#!/usr/bin/env node
// Distributed-work benchmark: prints figures, asserts nothing. `npm run bench` builds first.
// Catch-up of an N-event history (emulator in its own process) side by side:
//   sqlite        one process, `sync --once` (reader applies)
//   pg            one process, `sync --once` (reader applies)
//   pg --distribute, 1 process and 4 processes (`sync` following; pg-boss jobs per organization),
//   timed until every event is applied and every effect has run
// each once with no effect handlers and once with a handler that waits 5 ms per event.
// Usage: node bench/distributed.mjs [--events 100000] [--effect-events 10000]
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    events: { type: 'string', default: '100000' },
    'effect-events': { type: 'string', default: '10000' },
    url: { type: 'string' },
    key: { type: 'string' },
    db: { type: 'string' },
    schema: { type: 'string' },
    distribute: { type: 'boolean', default: false },
    'effect-ms': { type: 'string', default: '0' },
  },
});
const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

if (values.child === 'emulator') {
  const { startEmulator } = await import('../dist/emulator/index.js');
  const emu = await startEmulator({ seed: 'bench-dist', events: Number(values.events) });
  process.send({ url: emu.url, apiKey: emu.apiKey });
} else if (values.child === 'sync') {
  const { createSync } = await import('../dist/index.js');
  const sync = createSync({
    apiUrl: values.url,
    apiKey: values.key,
    databaseUrl: values.db,
    schema: values.schema,
    importOnFirstRun: false,
    settleMs: 0,
    env: {},
    maxAttempts: 100,
    distribute: values.distribute,
    pollIntervalMs: 200,
  });
  const effectMs = Number(values['effect-ms']);
  if (effectMs > 0) sync.on('*', () => new Promise((r) => setTimeout(r, effectMs)));
  if (values.distribute) {
    const controller = new AbortController();
    process.on('message', () => controller.abort());
    process.send({ ready: true });
    await sync.run(controller.signal);
  } else {
    const started = performance.now();
    const result = await sync.runOnce();
    process.send({ applied: result.applied, seconds: (performance.now() - started) / 1000 });
  }
  await sync.close();
  process.disconnect();
} else {
  await main();
}

function child(mode, args) {
  const proc = fork(new URL(import.meta.url), ['--child', mode, ...args]);
  const first = new Promise((resolve, reject) => {
    proc.once('message', resolve);
    proc.once('exit', (code) => code && reject(new Error(`${mode} exited with ${code}`)));
  });
  return { proc, first };
}

async function pgClient() {
  const pg = (await import('pg')).default;
  const client = new pg.Client(PG_URL);
  await client.connect();
  return client;
}

/** One process, `runOnce`: the reader applies (and runs effects). */
async function once(emu, store, effectMs) {
  const schema = `bench_${process.pid}_${Date.now().toString(36)}`;
  const dir = store === 'sqlite' ? mkdtempSync(join(tmpdir(), 'authsync-')) : null;
  const db = dir ? join(dir, 'b.db') : PG_URL;
  const c = child('sync', [
    ...['--url', emu.url, '--key', emu.apiKey, '--db', db, '--schema', schema],
    ...['--effect-ms', String(effectMs)],
  ]);
  const r = await c.first;
  await new Promise((resolve) =>
    c.proc.exitCode !== null ? resolve() : c.proc.once('exit', resolve),
  );
  if (dir) rmSync(dir, { recursive: true, force: true });
  else await dropSchema(schema);
  return r.applied / r.seconds;
}

/** `processes` followers with distributed work, timed until every event applied and effect run. */
async function distributed(emu, processes, events, effectMs) {
  const schema = `bench_${process.pid}_${Date.now().toString(36)}`;
  const client = await pgClient();
  const started = performance.now();
  const children = [];
  for (let i = 0; i < processes; i++) {
    children.push(
      child('sync', [
        ...['--url', emu.url, '--key', emu.apiKey, '--db', PG_URL, '--schema', schema],
        ...['--effect-ms', String(effectMs), '--distribute'],
      ]),
    );
    // The first creates the schema and pg-boss's; the others join once it is ready.
    if (i === 0) await children[0].first;
  }
  for (;;) {
    await new Promise((r) => setTimeout(r, 200));
    const r = await client
      .query(
        `SELECT (SELECT COUNT(*) FROM ${schema}.authsync_events WHERE status = 'applied') AS applied,
                (SELECT COUNT(*) FROM ${schema}.authsync_outbox WHERE done = 0) AS effects`,
      )
      .catch(() => null);
    if (r && Number(r.rows[0].applied) >= events && Number(r.rows[0].effects) === 0) break;
  }
  const seconds = (performance.now() - started) / 1000;
  for (const c of children) c.proc.send('stop');
  await Promise.all(
    children.map(
      (c) => new Promise((r) => (c.proc.exitCode !== null ? r() : c.proc.once('exit', r))),
    ),
  );
  await client.end();
  await dropSchema(schema);
  return events / seconds;
}

async function dropSchema(schema) {
  const client = await pgClient();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.query(`DROP SCHEMA IF EXISTS ${schema}_pgboss CASCADE`);
  await client.end();
}

async function main() {
  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  console.log(`authsync distributed-work benchmark (node ${process.version})`);
  for (const [events, effectMs] of [
    [Number(values.events), 0],
    [Number(values['effect-events']), 5],
  ]) {
    const emulator = child('emulator', ['--events', String(events)]);
    const emu = await emulator.first;
    const label = effectMs ? `, a ${effectMs} ms effect per event` : ', no effects';
    console.log(
      `\n${events.toLocaleString('en-US')} events${label} (events/s, until every effect ran)`,
    );
    const sqlite = await once(emu, 'sqlite', effectMs);
    console.log(`  sqlite, 1 process               ${fmt(sqlite)}`);
    const pg = await once(emu, 'postgres', effectMs);
    console.log(
      `  postgres, 1 process             ${fmt(pg)}  (${((pg / sqlite) * 100).toFixed(0)}% of sqlite)`,
    );
    const one = await distributed(emu, 1, events, effectMs);
    console.log(`  postgres --distribute, 1 process  ${fmt(one)}`);
    const four = await distributed(emu, 4, events, effectMs);
    console.log(
      `  postgres --distribute, 4 processes ${fmt(four)}  (${(four / one).toFixed(2)}x 1 process)`,
    );
    emulator.proc.kill();
  }
}
