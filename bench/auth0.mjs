#!/usr/bin/env node
// Auth0 benchmark: prints figures, asserts nothing. `npm run bench` builds first.
// Side by side in one run, each sync in a process of its own (its peak RSS is its own):
//   auth0    an Auth0 tenant's logs (Management API writes) read and applied into SQLite, logs/s
//   workos   a WorkOS history of about as many events, events/s (the same run; both read a
//            backlog in time slices side by side)
//   limited  the self-service plan's limit on GET /logs (burst 10, 100 per minute) with 50 ms per
//            request and authsync's default client budget: logs/s against the ~166/s it allows
//   enterprise  Enterprise's limit (960 a minute, burst 50) with 250 ms per request and a client
//            budget of 960: read in time slices against one cursor, side by side
// Usage: node bench/auth0.mjs [--logs 100000] [--limited-logs 10000] [--enterprise-logs 20000]
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    logs: { type: 'string', default: '100000' },
    'limited-logs': { type: 'string', default: '10000' },
    'enterprise-logs': { type: 'string', default: '20000' },
    changes: { type: 'string' },
    profile: { type: 'string' },
    latency: { type: 'string' },
    parallelism: { type: 'string' },
    events: { type: 'string' },
    url: { type: 'string' },
    key: { type: 'string' },
    secret: { type: 'string' },
    provider: { type: 'string' },
    budget: { type: 'string' },
  },
});

if (values.child === 'auth0-emulator') {
  const { startAuth0Emulator } = await import('../dist/emulator/auth0/server.js');
  const emu = await startAuth0Emulator({
    seed: 'bench',
    changes: Number(values.changes),
    apiOnly: true,
    ...(values.profile
      ? { rateLimits: values.profile, faults: { latencyMs: Number(values.latency) } }
      : {}),
  });
  process.send({
    url: emu.url,
    key: emu.clientId,
    secret: emu.clientSecret,
    logs: emu.emulator.tenant.logs.visible(Date.now()).length,
  });
} else if (values.child === 'workos-emulator') {
  const { startEmulator } = await import('../dist/emulator/index.js');
  const emu = await startEmulator({ seed: 'bench', events: Number(values.events) });
  process.send({ url: emu.url, key: emu.apiKey });
} else if (values.child === 'sync') {
  const { createSync, limitHeapGrowth } = await import('../dist/index.js');
  limitHeapGrowth();
  const dir = mkdtempSync(join(tmpdir(), 'authsync-bench-'));
  const common = {
    databaseUrl: join(dir, 'bench.db'),
    importOnFirstRun: false,
    settleMs: 0,
    env: {},
    maxAttempts: 100,
  };
  const sync =
    values.provider === 'auth0'
      ? createSync({
          ...common,
          provider: 'auth0',
          ...(values.parallelism ? { readParallelism: Number(values.parallelism) } : {}),
          auth0: {
            domain: values.url,
            clientId: values.key,
            clientSecret: values.secret,
            maxAttempts: 100,
            ...(values.budget ? { rateLimit: JSON.parse(values.budget) } : {}),
          },
        })
      : createSync({ ...common, apiUrl: values.url, apiKey: values.key });
  const started = performance.now();
  const result = await sync.runOnce();
  const seconds = (performance.now() - started) / 1000;
  await sync.close();
  const db = join(dir, 'bench.db');
  const bytes = statSync(db).size + (existsSync(`${db}-wal`) ? statSync(`${db}-wal`).size : 0);
  if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  else console.error('kept', dir);
  process.send({
    events: result.applied,
    seconds,
    bytes,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  });
  process.disconnect();
} else {
  await main();
}

function child(mode, args) {
  const proc = fork(new URL(import.meta.url), ['--child', mode, ...args], {
    execArgv: process.env.BENCH_PROFILE === mode ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : [],
  });
  const first = new Promise((resolve, reject) => {
    proc.once('message', resolve);
    proc.once('exit', (code) => code && reject(new Error(`${mode} exited with ${code}`)));
  });
  return { proc, first };
}

async function run(mode, args) {
  const c = child(mode, args);
  const result = await c.first;
  await new Promise((r) => (c.proc.exitCode !== null ? r() : c.proc.once('exit', r)));
  return result;
}

function mbps(r) {
  return (r.bytes / 1e6 / r.seconds).toFixed(1);
}

function fmt(n) {
  return Math.round(n).toLocaleString('en-US');
}

async function auth0(logs, { profile, latency, budget, parallelism } = {}) {
  // About 1.1 logs per change (a created user writes sapi and ss).
  const emu = child('auth0-emulator', [
    '--changes',
    String(Math.round(logs / 1.1)),
    ...(profile ? ['--profile', profile, '--latency', String(latency)] : []),
  ]);
  const tenant = await emu.first;
  const r = await run('sync', [
    '--provider',
    'auth0',
    '--url',
    tenant.url,
    // A client id may begin with '-': give values with '='.
    `--key=${tenant.key}`,
    `--secret=${tenant.secret}`,
    ...(budget ? ['--budget', budget] : []),
    ...(parallelism ? ['--parallelism', String(parallelism)] : []),
  ]);
  emu.proc.kill();
  return { ...r, logs: tenant.logs };
}

async function workos(events) {
  const emu = child('workos-emulator', ['--events', String(events)]);
  const { url, key } = await emu.first;
  const r = await run('sync', ['--provider', 'workos', '--url', url, '--key', key]);
  emu.proc.kill();
  return r;
}

async function main() {
  const logs = Number(values.logs);
  // No limit on either side: the client budget raised out of the way.
  const unlimited = JSON.stringify({ requests: 1_000_000, windowMs: 60_000 });
  for (let pair = 1; pair <= 2; pair++) {
    const a = await auth0(logs, { budget: unlimited });
    const w = await workos(a.logs);
    console.log(
      `pair ${pair}: auth0 ${fmt(a.events)} logs in ${a.seconds.toFixed(1)} s = ${fmt(a.events / a.seconds)} logs/s (peak RSS ${fmt(a.maxRssMb)} MB); ` +
        `workos ${fmt(w.events)} events = ${fmt(w.events / w.seconds)} events/s (peak RSS ${fmt(w.maxRssMb)} MB); ratio ${(a.events / a.seconds / (w.events / w.seconds)).toFixed(2)}; ` +
        // What each stores: the apply rate is bound by the bytes SQLite writes.
        `stored per item: auth0 ${fmt(a.bytes / a.events)} bytes, workos ${fmt(w.bytes / w.events)}; database written at ${mbps(a)} MB/s (auth0) and ${mbps(w)} MB/s (workos)`,
    );
  }
  const limited = Number(values['limited-logs']);
  const l = await auth0(limited, { profile: 'self-service', latency: 50 });
  console.log(
    `limited (self-service GET /logs: burst 10, 100/min; 50 ms per request; default client budget): ${fmt(l.events)} logs in ${l.seconds.toFixed(1)} s = ${(l.events / l.seconds).toFixed(1)} logs/s, ${((100 * l.events) / l.seconds / (10_000 / 60)).toFixed(0)}% of the 166.7 logs/s the limit allows`,
  );
  const enterprise = Number(values['enterprise-logs']);
  const budget = JSON.stringify({ requests: 960, windowMs: 60_000, burst: 50 });
  const e = { profile: 'enterprise', latency: 250, budget };
  const sliced = await auth0(enterprise, e);
  const cursor = await auth0(enterprise, { ...e, parallelism: 1 });
  const rate = (r) => r.events / r.seconds;
  console.log(
    `enterprise (960/min, burst 50; 250 ms per request; client budget 960/min): time slices ${fmt(rate(sliced))} logs/s (${fmt(sliced.events)} in ${sliced.seconds.toFixed(1)} s), one cursor ${fmt(rate(cursor))} logs/s (${cursor.seconds.toFixed(1)} s): ${(rate(sliced) / rate(cursor)).toFixed(1)}x; the limit allows 1,600 logs/s`,
  );
}
