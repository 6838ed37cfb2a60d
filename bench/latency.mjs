#!/usr/bin/env node
// Event-to-row latency benchmark: prints figures, asserts nothing. `npm run bench` builds first.
// The emulator (its own process) produces live events, each visible to GET /events only after
// a delay (--visible-after-ms plus up to --visible-jitter-ms), as the real API can hold events
// back. `authsync serve` (in this process) follows it twice, side by side in one run:
//   webhooks   the emulator delivers a signed webhook per event: the doorbell
//   polling    no webhooks: the reader polls every 2 s (the default)
// Latency = the commit of an event's rows minus the event's created_at.
// Usage: node bench/latency.mjs [--seconds 20] [--rate 50] [--visible-after-ms 200] [--visible-jitter-ms 300]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createSync } from '../dist/index.js';
import { silentLogger } from '../dist/engine/ports.js';
import { ServeMetrics } from '../dist/runtimes/node/metrics.js';
import { startService } from '../dist/runtimes/node/serve.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    rate: { type: 'string', default: '50' },
    'visible-after-ms': { type: 'string', default: '200' },
    'visible-jitter-ms': { type: 'string', default: '300' },
  },
});
const seconds = Number(values.seconds);
const secret = 'whsec_latency';
const cli = new URL('../dist/cli.js', import.meta.url).pathname;

async function startEmulator() {
  const child = spawn(
    'node',
    [
      cli,
      'emulator',
      '--seed',
      'latency',
      '--events',
      '2000',
      '--rate',
      values.rate,
      '--settle-ms',
      values['visible-after-ms'],
      '--settle-jitter-ms',
      values['visible-jitter-ms'],
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise((resolve) =>
    createInterface({ input: child.stdout }).once('line', resolve),
  );
  return { child, ...JSON.parse(line) };
}

const admin = (emu, path, body) =>
  fetch(`${emu.url}/_emulator/${path}`, { method: 'PUT', body: JSON.stringify(body) });

async function measure(webhooks) {
  const emu = await startEmulator();
  const latencies = [];
  let measureFrom = Infinity;
  const metrics = new ServeMetrics();
  const dir = mkdtempSync(join(tmpdir(), 'authsync-latency-'));
  const sync = createSync({
    apiUrl: emu.url,
    apiKey: emu.apiKey,
    databaseUrl: join(dir, 'latency.db'),
    env: {},
    webhookSecrets: [secret],
    onApplied(events) {
      metrics.onApplied(events);
      const now = Date.now();
      for (const e of events) {
        const created = Date.parse(e.createdAt);
        if (created >= measureFrom) latencies.push(now - created);
      }
    },
  });
  const service = await startService({
    sync,
    metrics,
    logger: silentLogger,
    port: 0,
    hostname: '127.0.0.1',
    reconcileEveryMs: 0,
  });
  // The first import, then live events; measured after a short warm-up.
  while (sync.lastReadOkAtMs === null) await sleep(50);
  if (webhooks) await admin(emu, 'webhooks', { url: `${service.url}/webhooks/workos`, secret });
  await sleep(2000);
  measureFrom = Date.now();
  await sleep(seconds * 1000);
  const stopAt = Date.now();
  // Let the events of the last seconds arrive before stopping.
  await sleep(6000);
  await service.stop();
  emu.child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
  const measured = latencies;
  return { measured, perSecond: measured.length / ((stopAt - measureFrom) / 1000) };
}

const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
const row = (label, r) => {
  const s = [...r.measured].sort((a, b) => a - b);
  console.log(
    `${label.padEnd(12)}${String(s.length).padStart(8)}${String(pct(s, 50)).padStart(10)}${String(pct(s, 99)).padStart(10)}${String(s[s.length - 1]).padStart(10)}`,
  );
};

const withWebhooks = await measure(true);
const pollingOnly = await measure(false);
console.log(
  `event-to-row latency: ${values.rate} live events/s for ${seconds} s; events visible to GET /events ` +
    `${values['visible-after-ms']}-${Number(values['visible-after-ms']) + Number(values['visible-jitter-ms'])} ms after creation`,
);
console.log(
  `${'mode'.padEnd(12)}${'events'.padStart(8)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}${'max ms'.padStart(10)}`,
);
row('webhooks', withWebhooks);
row('polling', pollingOnly);
console.log('target with webhooks: p50 < 1,000 ms, p99 < 3,000 ms');
