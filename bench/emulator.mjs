#!/usr/bin/env node
// Emulator benchmark: prints figures, asserts nothing. Run `npm run build` first (npm run bench does).
//   1. Page rate: GET /events pages of 100 served per second, the emulator alone in its own process.
//   2. Memory: RSS of an emulator holding 1,000,000 events (and the state they built).
// Usage: node bench/emulator.mjs [--events 1000000] [--seconds 10] [--connections 4]
import { fork } from 'node:child_process';
import { Agent, get } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    events: { type: 'string', default: '1000000' },
    'page-events': { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '4' },
  },
});

if (values.child === 'serve') {
  // The server process: one event loop, i.e. one core.
  const { startEmulator } = await import('../dist/emulator/index.js');
  const emu = await startEmulator({ seed: 'bench', events: Number(values['page-events']) });
  process.send({ url: emu.url, apiKey: emu.apiKey });
  process.on('SIGINT', () => process.exit(0));
  process.on('message', () => {
    const u = process.cpuUsage();
    process.send({ cpuMicros: u.user + u.system });
  });
} else if (values.child === 'memory') {
  const { Emulator } = await import('../dist/emulator/index.js');
  const started = performance.now();
  const emulator = new Emulator({ seed: 'bench', events: Number(values.events) });
  const seconds = (performance.now() - started) / 1000;
  globalThis.gc?.();
  const m = process.memoryUsage();
  process.send({
    events: emulator.world.events.length,
    seconds,
    rss: m.rss,
    heapUsed: m.heapUsed,
    external: m.external + m.arrayBuffers,
  });
} else {
  await main();
}

function child(mode, execArgv = []) {
  const proc = fork(new URL(import.meta.url), ['--child', mode, ...process.argv.slice(2)], {
    execArgv,
  });
  const message = new Promise((resolve, reject) => {
    proc.once('message', resolve);
    proc.once('exit', (code) => reject(new Error(`${mode} child exited with ${code}`)));
  });
  return { proc, message };
}

async function pageRate() {
  const server = child(
    'serve',
    process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : [],
  );
  const { url, apiKey } = await server.message;
  const headers = { authorization: `Bearer ${apiKey}` };
  // Cursors spread over the stream, so pages come from everywhere, not one hot spot.
  const cursors = [];
  let after = '';
  for (let i = 0; i < 200; i++) {
    const r = await fetch(`${url}/events?order=asc&limit=100${after ? `&after=${after}` : ''}`, {
      headers,
    });
    const body = await r.json();
    cursors.push(body.data[99].id);
    after = body.data[Math.floor(Math.random() * 100)].id;
    // Jump ahead so the cursors cover the whole history.
    const skip = await fetch(`${url}/events?order=asc&limit=100&after=${after}`, { headers }).then(
      (x) => x.json(),
    );
    after = skip.list_metadata.after ?? '';
    if (!after) break;
  }
  const seconds = Number(values.seconds);
  const deadline = performance.now() + seconds * 1000;
  let pages = 0;
  let bytes = 0;
  let failures = 0;
  // node:http with keep-alive: a lighter client than fetch, so the server is what is measured.
  const agent = new Agent({ keepAlive: true, maxSockets: Number(values.connections) });
  const fetchPage = (path) =>
    new Promise((resolve, reject) => {
      get(`${url}${path}`, { agent, headers }, (res) => {
        let size = 0;
        res.on('data', (chunk) => (size += chunk.length));
        res.on('end', () => resolve({ status: res.statusCode, size }));
        res.on('error', reject);
      }).on('error', reject);
    });
  const serverCpuBefore = await cpuOf(server.proc);
  const worker = async (w) => {
    let i = w;
    while (performance.now() < deadline) {
      const r = await fetchPage(
        `/events?order=asc&limit=100&after=${cursors[i++ % cursors.length]}`,
      );
      if (r.status === 200) {
        pages++;
        bytes += r.size;
      } else failures++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Number(values.connections) }, (_, w) => worker(w)));
  const elapsed = (performance.now() - started) / 1000;
  const serverCpu = ((await cpuOf(server.proc)) - serverCpuBefore) / 1e6 / elapsed;
  server.proc.kill('SIGINT');
  agent.destroy();
  return {
    serverCpu,
    pagesPerSecond: pages / elapsed,
    eventsPerSecond: (pages * 100) / elapsed,
    mbPerSecond: bytes / elapsed / 1e6,
    failures,
    elapsed,
  };
}

/** CPU time (µs) the child has used so far. */
function cpuOf(proc) {
  return new Promise((resolve) => {
    proc.once('message', (m) => resolve(m.cpuMicros));
    proc.send('cpu');
  });
}

async function memory() {
  const c = child('memory', ['--expose-gc']);
  const result = await c.message;
  c.proc.kill();
  return result;
}

async function main() {
  const fmt = (n, d = 0) =>
    n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  console.log(
    `authsync emulator benchmark (node ${process.version}, ${(await import('node:os')).cpus().length} cores)`,
  );
  const rate = await pageRate();
  console.log(
    `page rate: ${fmt(rate.pagesPerSecond)} pages/s of 100 events (${fmt(rate.eventsPerSecond)} events/s, ${fmt(rate.mbPerSecond, 1)} MB/s) ` +
      `from ${values['page-events']}-event history, ${values.connections} connections, ${fmt(rate.elapsed, 1)} s, ${rate.failures} failures; ` +
      `server used ${fmt(rate.serverCpu * 100)}% of one core` +
      `  [target >= 2,000 pages/s]`,
  );
  const mem = await memory();
  console.log(
    `memory: ${fmt(mem.events)} events held in ${fmt(mem.rss / 1048576)} MiB RSS (heap ${fmt(mem.heapUsed / 1048576)} MiB, buffers ${fmt(mem.external / 1048576)} MiB), ` +
      `generated in ${fmt(mem.seconds, 1)} s  [target < 1,024 MiB]`,
  );
}
