#!/usr/bin/env node
// Forwarding benchmark: prints figures, asserts nothing. `npm run bench` builds first.
// A catch-up of N events into SQLite (emulator in its own process), side by side:
//   plain     no effects
//   forward   every event POSTed, signed, to an endpoint in a third process that verifies each
//             signature with the standardwebhooks library and answers 200
// Forwarding runs after each commit, before the next (an effect), so this is its cost to the sync.
// Usage: node bench/forward.mjs [--events 10000]
import { fork } from 'node:child_process';
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    events: { type: 'string', default: '10000' },
  },
});
const SECRET = `whsec_${Buffer.from('authsync forwarding bench secret').toString('base64')}`;

if (values.child === 'emulator') {
  const { startEmulator } = await import('../dist/emulator/index.js');
  const emu = await startEmulator({ seed: 'bench-forward', events: Number(values.events) });
  process.send({ url: emu.url, apiKey: emu.apiKey });
} else if (values.child === 'endpoint') {
  const { Webhook } = await import('standardwebhooks');
  const webhook = new Webhook(SECRET);
  let verified = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        webhook.verify(Buffer.concat(chunks).toString('utf8'), req.headers);
        verified++;
        res.writeHead(200).end();
      } catch {
        res.writeHead(401).end();
      }
    });
  });
  server.listen(0, '127.0.0.1', () =>
    process.send({ url: `http://127.0.0.1:${server.address().port}/` }),
  );
  process.on('message', () => process.send({ verified }));
} else {
  const child = (name) => {
    const p = fork(new URL(import.meta.url).pathname, ['--child', name, '--events', values.events]);
    return new Promise((resolve) => p.once('message', (m) => resolve({ process: p, ...m })));
  };
  const [emulator, endpoint] = await Promise.all([child('emulator'), child('endpoint')]);
  const { createSync } = await import('../dist/index.js');
  const run = async (forward) => {
    const sync = createSync({
      apiUrl: emulator.url,
      apiKey: emulator.apiKey,
      databaseUrl: join(mkdtempSync(join(tmpdir(), 'authsync-bench-')), 'bench.db'),
      importOnFirstRun: false,
      settleMs: 0,
      env: {},
      forward: forward ? { url: endpoint.url, secret: SECRET } : undefined,
    });
    const started = performance.now();
    const { applied } = await sync.runOnce();
    const seconds = (performance.now() - started) / 1000;
    await sync.close();
    return { applied, seconds, rate: applied / seconds };
  };
  const line = (label, r) =>
    console.log(
      `${label.padEnd(9)} ${r.applied.toLocaleString('en-US')} events in ${r.seconds.toFixed(1)} s = ${Math.round(r.rate).toLocaleString('en-US')} events/s`,
    );
  // Alternating, so both see the machine in the same state.
  const plain = [];
  const forward = [];
  for (let i = 0; i < 2; i++) {
    plain.push(await run(false));
    forward.push(await run(true));
  }
  plain.forEach((r) => line('plain', r));
  forward.forEach((r) => line('forward', r));
  endpoint.process.send('count');
  const { verified } = await new Promise((r) => endpoint.process.once('message', r));
  const mean = (rs) => rs.reduce((s, r) => s + r.rate, 0) / rs.length;
  console.log(
    `verified  ${verified.toLocaleString('en-US')} deliveries by the endpoint (expected ${(2 * Number(values.events)).toLocaleString('en-US')})`,
  );
  console.log(`ratio     forward / plain: ${((mean(forward) / mean(plain)) * 100).toFixed(0)}%`);
  emulator.process.kill();
  endpoint.process.kill();
}
