#!/usr/bin/env node
// Delivery benchmark: prints figures, asserts nothing. `npm run bench` builds first.
// The emulator and the receiving application each in a process of their own; the receiver
// verifies every signature with the standardwebhooks library and counts deliveries by webhook-id.
//   catch-up   N events into SQLite: no destination, then one destination, alternating; the
//              sync's own rate (until the last event is applied) and the time until every
//              delivery is made (runOnce returns)
//   rate       deliveries made per second, ordered per organization, 32 in flight against one
//              at a time (the last M events' deliveries replayed)
//   slow       following (as serve does) with a destination that answers after 2 s, and with
//              one that never answers: the sync's rate against none, and against one that
//              answers at once (the same rows written: what the slowness itself costs)
// Usage: node bench/delivery.mjs [--events 100000] [--rate-events 10000] [--slow-events 30000]
import { fork } from 'node:child_process';
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    events: { type: 'string', default: '100000' },
    'rate-events': { type: 'string', default: '10000' },
    'slow-events': { type: 'string', default: '30000' },
  },
});
const SECRET = `whsec_${Buffer.from('authsync delivery bench secret!!').toString('base64')}`;

if (values.child === 'emulator') {
  const { startEmulator } = await import('../dist/emulator/index.js');
  const emu = await startEmulator({ seed: 'bench-delivery', events: Number(values.events) });
  process.send({ url: emu.url, apiKey: emu.apiKey });
} else if (values.child === 'receiver') {
  const { Webhook } = await import('standardwebhooks');
  const webhook = new Webhook(SECRET);
  const ids = new Set();
  let verified = 0;
  let failed = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url, 'http://x').pathname;
      if (path === '/hang') return;
      try {
        webhook.verify(Buffer.concat(chunks).toString('utf8'), req.headers);
      } catch {
        failed++;
        res.writeHead(401).end();
        return;
      }
      if (path === '/slow') {
        setTimeout(() => res.writeHead(200).end(), 2000);
        return;
      }
      verified++;
      ids.add(req.headers['webhook-id']);
      res.writeHead(200).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () =>
    process.send({ url: `http://127.0.0.1:${server.address().port}` }),
  );
  process.on('message', () => {
    const cpu = process.cpuUsage();
    process.send({ verified, distinct: ids.size, failed, cpuMs: (cpu.user + cpu.system) / 1000 });
    verified = 0;
    failed = 0;
    ids.clear();
  });
} else {
  await main();
}

async function main() {
  const child = (name) => {
    const p = fork(new URL(import.meta.url).pathname, ['--child', name, '--events', values.events]);
    return new Promise((resolve) => p.once('message', (m) => resolve({ process: p, ...m })));
  };
  const [emulator, receiver] = await Promise.all([child('emulator'), child('receiver')]);
  const counts = () =>
    new Promise((r) => {
      receiver.process.once('message', r);
      receiver.process.send('count');
    });
  const { createSync, limitHeapGrowth } = await import('../dist/index.js');
  limitHeapGrowth();
  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  const open = (destinations, databaseUrl) =>
    createSync({
      apiUrl: emulator.url,
      apiKey: emulator.apiKey,
      databaseUrl: databaseUrl ?? join(mkdtempSync(join(tmpdir(), 'authsync-bench-')), 'b.db'),
      importOnFirstRun: false,
      settleMs: 0,
      env: {},
      destinations,
      onApplied: (events) => {
        applied += events.length;
        lastAppliedAt = performance.now();
      },
    });
  let applied = 0;
  let lastAppliedAt = 0;
  const dest = (path, extra = {}) => [
    { name: 'app', url: `${receiver.url}/${path}`, secrets: [SECRET], ...extra },
  ];

  // Catch-up: the sync's own rate with and without a destination, alternating.
  const catchUp = async (destinations) => {
    applied = 0;
    const path = join(mkdtempSync(join(tmpdir(), 'authsync-bench-')), 'c.db');
    const sync = open(destinations, path);
    const started = performance.now();
    await sync.runOnce();
    const done = performance.now();
    await sync.close();
    return {
      applied,
      bytesPerEvent: fileBytes(path) / applied,
      syncRate: applied / ((lastAppliedAt - started) / 1000),
      totalSeconds: (done - started) / 1000,
    };
  };
  const plain = [];
  const forwarding = [];
  for (let i = 0; i < 2; i++) {
    plain.push(await catchUp(undefined));
    forwarding.push(await catchUp(dest('ok')));
    const c = await counts();
    forwarding.at(-1).received = c;
  }
  for (const r of plain)
    console.log(
      `catch-up, no destination: ${fmt(r.applied)} events at ${fmt(r.syncRate)} events/s; ${fmt(r.bytesPerEvent)} bytes stored per event`,
    );
  for (const r of forwarding)
    console.log(
      `catch-up, one destination: ${fmt(r.applied)} events at ${fmt(r.syncRate)} events/s; ${fmt(r.bytesPerEvent)} bytes stored per event; every delivery made ${r.totalSeconds.toFixed(1)} s after the start (${fmt(r.received.verified)} verified by the receiver, ${fmt(r.received.distinct)} distinct ids, ${r.received.failed} refused)`,
    );
  const mean = (rs, k) => rs.reduce((s, r) => s + r[k], 0) / rs.length;
  console.log(
    `catch-up: the sync's rate with a destination is ${((100 * mean(forwarding, 'syncRate')) / mean(plain, 'syncRate')).toFixed(0)}% of its rate without`,
  );

  // Delivery rate: replay the last M events' deliveries, 32 in flight and one at a time.
  const m = Number(values['rate-events']);
  const db = join(mkdtempSync(join(tmpdir(), 'authsync-bench-')), 'rate.db');
  const base = open(dest('ok'), db);
  await base.runOnce();
  const since = (await base.store.deliveries().list({ limit: m })).at(-1).eventId;
  await base.close();
  await counts();
  const rate = async (concurrency) => {
    const sync = open(dest('ok', { concurrency }), db);
    await sync.migrate();
    const n = await sync.store.deliveries().replay({ sinceEventId: since }, 'app', Date.now());
    const receiverBefore = (await counts()).cpuMs;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await sync.dispatcher.drain();
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const lanes = new Set((await sync.store.deliveries().list({ limit: n })).map((d) => d.lane));
    await sync.close();
    const c = await counts();
    return {
      n,
      seconds,
      rate: n / seconds,
      lanes: lanes.size,
      verified: c.verified,
      // CPU per delivery: the sending process's (claims, signing, HTTP, results) and the
      // receiver's (HTTP, verifying), in microseconds.
      sender: (cpu.user + cpu.system) / n,
      receiver: ((c.cpuMs - receiverBefore) * 1000) / n,
    };
  };
  const rates = [];
  for (let i = 0; i < 2; i++) rates.push([await rate(32), await rate(1)]);
  for (const [many, one] of rates)
    console.log(
      `delivery rate, ordered per organization (${fmt(many.lanes)} lanes): 32 in flight ${fmt(many.rate)}/s (${fmt(many.verified)} of ${fmt(many.n)} verified), one at a time ${fmt(one.rate)}/s (${fmt(one.verified)} of ${fmt(one.n)}): ${(many.rate / one.rate).toFixed(1)}x; CPU per delivery, sender/receiver: 32 in flight ${fmt(many.sender)}/${fmt(many.receiver)} µs, one at a time ${fmt(one.sender)}/${fmt(one.receiver)} µs`,
    );

  // Following with a slow or silent destination: the sync's rate against none.
  const slowEvents = Number(values['slow-events']);
  const follow = async (destinations) => {
    applied = 0;
    const sync = open(destinations);
    const stop = new AbortController();
    const started = performance.now();
    const running = sync.run(stop.signal);
    while (applied < slowEvents) await new Promise((r) => setTimeout(r, 20));
    const seconds = (lastAppliedAt - started) / 1000;
    stop.abort();
    await running.catch(() => {});
    await sync.close();
    return applied / seconds;
  };
  const followed = { none: [], ok: [], slow: [], silent: [] };
  for (let i = 0; i < 2; i++) {
    followed.none.push(await follow(undefined));
    followed.ok.push(await follow(dest('ok')));
    followed.slow.push(await follow(dest('slow')));
    followed.silent.push(await follow(dest('hang')));
  }
  const avg = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const pct = (xs, of) => ((100 * avg(xs)) / avg(of)).toFixed(0);
  console.log(
    `following ${fmt(slowEvents)} events: no destination ${followed.none.map(fmt).join(', ')} events/s; one answering at once ${followed.ok.map(fmt).join(', ')} (${pct(followed.ok, followed.none)}% of none); one answering in 2 s ${followed.slow.map(fmt).join(', ')} (${pct(followed.slow, followed.none)}% of none, ${pct(followed.slow, followed.ok)}% of at once); one never answering ${followed.silent.map(fmt).join(', ')} (${pct(followed.silent, followed.none)}% of none, ${pct(followed.silent, followed.ok)}% of at once)`,
  );
  emulator.process.kill();
  receiver.process.kill();
  process.exit(0);
}

/** A SQLite database's size on disk, its write-ahead log included. */
function fileBytes(path) {
  return statSync(path).size + (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);
}
