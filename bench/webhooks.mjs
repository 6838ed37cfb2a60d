#!/usr/bin/env node
// Webhook ingest benchmark: prints figures, asserts nothing. `npm run bench` builds first.
// `authsync serve` runs in its own process (SQLite file, reading an idle emulator); autocannon,
// in this process, POSTs distinct, validly signed events to /webhooks/workos for --seconds.
// Every request is verified, parsed and committed to the inbox before its 200.
// Usage: node bench/webhooks.mjs [--seconds 30] [--connections 10] [--profile <dir>]
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    connections: { type: 'string', default: '10' },
    profile: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const secret = 'whsec_bench';
const cli = new URL('../dist/cli.js', import.meta.url).pathname;

/** Starts a CLI command and resolves with the value `pick` finds in one of its JSON lines. */
function start(args, env, stream, pick, nodeArgs = []) {
  const child = spawn('node', [...nodeArgs, cli, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${args[0]} exited ${code}`)));
    createInterface({ input: child[stream] }).on('line', (line) => {
      try {
        const found = pick(JSON.parse(line));
        if (found) resolve({ child, ...found });
      } catch {
        // not JSON
      }
    });
  });
}

const emulator = await start(['emulator', '--seed', 'bench'], {}, 'stdout', (j) => j.url && j);
const dir = mkdtempSync(join(tmpdir(), 'authsync-bench-'));
const db = join(dir, 'webhooks.db');
const service = await start(
  ['serve', '--port', '0', '--host', '127.0.0.1'],
  {
    WORKOS_API_URL: emulator.url,
    WORKOS_API_KEY: emulator.apiKey,
    WORKOS_WEBHOOK_SECRET: secret,
    DATABASE_URL: db,
    LOG_LEVEL: 'info',
  },
  'stderr',
  (j) => j.msg === 'listening' && { url: j.url },
  // --profile <dir>: a CPU profile of the serve process, written when it stops.
  values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : [],
);

// Bodies signed up front, so the load generator spends its CPU on sending.
const count = Math.ceil(seconds * 12_000);
const t = Date.now();
const prefix = randomBytes(4).toString('hex').toUpperCase();
const bodies = new Array(count);
for (let i = 0; i < count; i++) {
  const now = new Date(t).toISOString();
  const body = JSON.stringify({
    object: 'event',
    id: `event_01BENCH${prefix}${String(i).padStart(12, '0')}`,
    event: 'user.updated',
    data: {
      object: 'user',
      id: `user_01BENCH${prefix}${i % 5000}`,
      email: `user${i % 5000}@example.com`,
      email_verified: true,
      first_name: 'Bench',
      last_name: 'Mark',
      profile_picture_url: null,
      external_id: null,
      metadata: {},
      last_sign_in_at: null,
      created_at: now,
      updated_at: now,
    },
    created_at: now,
  });
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  bodies[i] = { body, signature: `t=${t}, v1=${v1}` };
}
let next = 0;

const result = await autocannon({
  url: `${service.url}/webhooks/workos`,
  method: 'POST',
  connections: Number(values.connections),
  duration: seconds,
  requests: [
    {
      setupRequest(req) {
        const b = bodies[next++ % count];
        return {
          ...req,
          body: b.body,
          headers: { 'content-type': 'application/json', 'workos-signature': b.signature },
        };
      },
    },
  ],
});

const metrics = await (await fetch(`${service.url}/metrics`)).text();
const stored = Number(
  /authsync_webhook_deliveries_total\{result="stored"\} (\d+)/.exec(metrics)?.[1] ?? 0,
);
service.child.kill('SIGTERM');
emulator.child.kill('SIGTERM');
await new Promise((r) => service.child.once('exit', r));
rmSync(dir, { recursive: true, force: true });

const line = (label, value) => console.log(`${label.padEnd(34)}${value}`);
console.log(
  `webhook ingest: ${seconds} s, ${values.connections} connections, one serve process (SQLite)`,
);
line('deliveries answered 2xx', result['2xx'].toLocaleString('en-US'));
line('non-2xx / errors / timeouts', `${result.non2xx} / ${result.errors} / ${result.timeouts}`);
line('stored in the inbox (metrics)', stored.toLocaleString('en-US'));
line('verified deliveries/s', Math.round(result['2xx'] / seconds).toLocaleString('en-US'));
line(
  'latency p50 / p99 / max (ms)',
  `${result.latency.p50} / ${result.latency.p99} / ${result.latency.max}`,
);
line('target', '>= 5,000/s with p99 < 20 ms');
