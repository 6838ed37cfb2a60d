#!/usr/bin/env node
// Worker delivery benchmark: prints figures, asserts nothing. `npm run bench` builds first.
// Should the Worker deliver through a Cloudflare Queue rather than from D1? N new events are
// drained by authsync/worker in workerd (Miniflare, local D1) with one destination: a receiver
// in its own process that verifies every signature (standardwebhooks) and records the order
// deliveries arrive in. Side by side, in one run:
//   d1     the Worker's own delivery: each scheduled run claims due deliveries from D1 under a
//          lease, one at a time per organization, 32 in flight (--concurrency), until all are made
//   queue  the same deliveries (bodies and lanes read from that D1) through a Cloudflare Queue
//          (Miniflare's): a producer sends them with sendBatch, a consumer Worker signs and POSTs
//          each batch's messages at once, and acks them
// Figures: deliveries/s at the receiver (first to last arrival), and deliveries that arrived
// before an earlier one of their organization (order breaks). Miniflare's queue is local: its
// speed says nothing of Cloudflare's; what it shows is the work a consumer would do.
// Usage: node bench/worker-delivery.mjs [--events 10000] [--concurrency 32]
import { fork } from 'node:child_process';
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleWorker, collectRuns, migrateD1, scheduled as tick } from './lib/workerd.mjs';

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    events: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '32' },
  },
});
const SECRET = `whsec_${Buffer.from('authsync worker delivery bench!!').toString('base64')}`;

/** Verifies each delivery and records its id and arrival time; answers 'count' with them. */
async function receiver() {
  const { Webhook } = await import('standardwebhooks');
  const webhook = new Webhook(SECRET);
  let arrivals = [];
  let refused = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        webhook.verify(Buffer.concat(chunks).toString('utf8'), req.headers);
      } catch {
        refused++;
        res.writeHead(401).end();
        return;
      }
      arrivals.push([req.headers['webhook-id'], performance.timeOrigin + performance.now()]);
      res.writeHead(200).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () =>
    process.send({ url: `http://127.0.0.1:${server.address().port}` }),
  );
  process.on('message', () => {
    process.send({ arrivals, refused });
    arrivals = [];
    refused = 0;
  });
}

/** The consumer Worker of the queue variant: signs as Standard Webhooks does, with WebCrypto. */
const QUEUE_WORKER = `
const enc = new TextEncoder();
let key;
export default {
  async fetch(request, env) {
    const messages = await request.json();
    for (let i = 0; i < messages.length; i += 100)
      await env.DELIVERIES.sendBatch(messages.slice(i, i + 100).map((body) => ({ body })));
    return new Response('ok');
  },
  async queue(batch, env) {
    key ??= await crypto.subtle.importKey('raw', Uint8Array.from(atob(env.SECRET.slice(6)), (c) => c.charCodeAt(0)), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    await Promise.all(batch.messages.map(async (m) => {
      const { id, body } = m.body;
      const ts = String(Math.floor(Date.now() / 1000));
      const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(id + '.' + ts + '.' + body)));
      const res = await fetch(env.URL, { method: 'POST', body, headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': 'v1,' + btoa(String.fromCharCode(...mac)) } });
      await res.arrayBuffer();
      if (res.ok) m.ack(); else m.retry();
    }));
  },
};`;

async function main() {
  const { Miniflare } = await import('miniflare');
  const { startEmulator } = await import('../dist/emulator/index.js');
  const events = Number(values.events);
  const fmt = (n) => Math.round(n).toLocaleString('en-US');

  const proc = fork(new URL(import.meta.url).pathname, ['--child', 'receiver']);
  process.on('exit', () => proc.kill());
  const { url } = await new Promise((r) => proc.once('message', r));
  const collect = () =>
    new Promise((r) => {
      proc.once('message', r);
      proc.send('count');
    });
  const emu = await startEmulator({ seed: 'bench-worker-delivery', events: 500 });

  const dir = mkdtempSync(join(tmpdir(), 'authsync-bench-worker-delivery-'));
  const script = await bundleWorker(dir);
  const reports = [];
  const mf = new Miniflare({
    d1Persist: join(dir, 'd1'),
    unsafeTriggerHandlers: true,
    workers: [
      {
        name: 'authsync',
        modules: [{ type: 'ESModule', path: 'worker.mjs', contents: script }],
        compatibilityDate: '2025-09-01',
        d1Databases: { DB: 'authsync-bench' },
        bindings: {
          WORKOS_API_KEY: emu.apiKey,
          WORKOS_API_URL: emu.url,
          AUTHSYNC_SETTLE_MS: '0',
          AUTHSYNC_RUN_BUDGET_MS: '25000',
          AUTHSYNC_DESTINATIONS: JSON.stringify([
            {
              name: 'app',
              url: `${url}/d1`,
              secrets: [SECRET],
              concurrency: Number(values.concurrency),
            },
          ]),
        },
      },
      {
        name: 'queue',
        modules: [{ type: 'ESModule', path: 'queue.mjs', contents: QUEUE_WORKER }],
        compatibilityDate: '2025-09-01',
        bindings: { URL: `${url}/queue`, SECRET },
        queueProducers: { DELIVERIES: 'deliveries' },
        queueConsumers: { deliveries: { maxBatchSize: 100, maxBatchTimeout: 0 } },
      },
    ],
    handleRuntimeStdio: collectRuns(reports),
  });
  const d1 = await mf.getD1Database('DB', 'authsync');
  await migrateD1(d1);
  const scheduled = () => tick(mf, reports);
  await scheduled(); // the first import: no deliveries
  await collect();

  emu.emulator.generateNow(events);
  let runs = 0;
  for (;;) {
    runs++;
    await scheduled();
    const open = await d1
      .prepare("SELECT COUNT(*) AS n FROM authsync_deliveries WHERE status = 'pending'")
      .first();
    if (open.n === 0 || runs > 20) break;
  }
  const viaD1 = await collect();
  const unfinished = (
    await d1
      .prepare(
        "SELECT status, last_error, COUNT(*) AS n FROM authsync_deliveries WHERE status <> 'delivered' GROUP BY 1, 2",
      )
      .all()
  ).results;
  const rows = (
    await d1
      .prepare(
        'SELECT d.id, d.event_id, d.lane, o.data FROM authsync_deliveries AS d JOIN authsync_outbox AS o ON o.event_id = d.event_id WHERE d.replay = 0 ORDER BY d.id',
      )
      .all()
  ).results;

  // The same deliveries through the queue, in the same order.
  const started = performance.timeOrigin + performance.now();
  const queueWorker = await mf.getWorker('queue');
  for (let i = 0; i < rows.length; i += 1000)
    await queueWorker.fetch('http://queue.test/', {
      method: 'POST',
      body: JSON.stringify(rows.slice(i, i + 1000).map((r) => ({ id: r.event_id, body: r.data }))),
    });
  let viaQueue = { arrivals: [], refused: 0 };
  for (let waited = 0; viaQueue.arrivals.length < rows.length && waited < 120_000;) {
    await new Promise((r) => setTimeout(r, 200));
    waited += 200;
    const more = await collect();
    viaQueue = {
      arrivals: viaQueue.arrivals.concat(more.arrivals),
      refused: viaQueue.refused + more.refused,
    };
  }
  const enqueueToLast = ((viaQueue.arrivals.at(-1)?.[1] ?? started) - started) / 1000;

  const byEvent = new Map(rows.map((r) => [r.event_id, r]));
  const figures = (label, { arrivals, refused }) => {
    const seconds = (arrivals.at(-1)[1] - arrivals[0][1]) / 1000;
    const newest = new Map();
    let breaks = 0;
    for (const [id] of arrivals) {
      const row = byEvent.get(id);
      if (!row) continue;
      if ((newest.get(row.lane) ?? -1) > row.id) breaks++;
      else newest.set(row.lane, row.id);
    }
    const distinct = new Set(arrivals.map(([id]) => id)).size;
    console.log(
      `${label} ${fmt(arrivals.length)} deliveries (${fmt(distinct)} distinct, ${refused} refused) in ${seconds.toFixed(1)} s = ${fmt(arrivals.length / seconds)}/s; ${fmt(breaks)} arrived before an earlier one of their organization`,
    );
  };
  const lanes = new Set(rows.map((r) => r.lane)).size;
  console.log(`${fmt(events)} new events, ${fmt(rows.length)} deliveries over ${fmt(lanes)} lanes`);
  figures(`d1     (${runs} scheduled run(s))`, viaD1);
  for (const u of unfinished)
    console.log(`d1     not delivered: ${u.n} ${u.status} (${u.last_error})`);
  figures('queue  (maxBatchSize 100)', viaQueue);
  console.log(`queue  from the first sendBatch to the last arrival: ${enqueueToLast.toFixed(1)} s`);
  await mf.dispose();
  await emu.close();
  proc.kill();
}

if (values.child === 'receiver') await receiver();
else await main();
