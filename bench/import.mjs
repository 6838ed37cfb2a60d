#!/usr/bin/env node
// First-import benchmark: prints figures, asserts nothing. `npm run build` first.
// A fresh database imports an emulated environment that answers each request after --latency ms
// (as the internet would; the emulator on loopback answers in about 1 ms), then reads the
// events. Printed: objects, import time, the requests the import sent (counted by the emulator),
// and requests/s against the client's rate budget.
//   workos  default budget: 5,900 requests per 60 s (WorkOS allows 6,000)
//   auth0   960 requests per minute, burst 10 (Enterprise's Management API limit)
// Usage: node bench/import.mjs [--events 20000] [--changes 4000] [--latency 50]
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    events: { type: 'string', default: '20000' },
    changes: { type: 'string', default: '4000' },
    latency: { type: 'string', default: '50' },
    url: { type: 'string' },
    key: { type: 'string' },
    secret: { type: 'string' },
    provider: { type: 'string' },
  },
});

const AUTH0_BUDGET = { requests: 960, windowMs: 60_000, burst: 10 };

if (values.child === 'emulator') await emulatorChild();
else if (values.child === 'sync') await syncChild();
else await main();

/** The emulator, counting the requests it answers (the event reads apart). */
async function emulatorChild() {
  const { serve } = await import('@hono/node-server');
  const faults = { latencyMs: Number(values.latency) };
  let app;
  let ready;
  if (values.provider === 'auth0') {
    const { Auth0Emulator } = await import('../dist/emulator/auth0/emulator.js');
    const { createAuth0App } = await import('../dist/emulator/auth0/http/app.js');
    const emulator = new Auth0Emulator({ seed: 'import', changes: Number(values.changes), faults });
    app = createAuth0App(emulator);
    ready = { key: emulator.tokens.client.clientId, secret: emulator.tokens.client.clientSecret };
  } else {
    const { Emulator } = await import('../dist/emulator/emulator.js');
    const { createEmulatorApp } = await import('../dist/emulator/http/app.js');
    const emulator = new Emulator({ seed: 'import', events: Number(values.events), faults });
    app = createEmulatorApp(emulator);
    ready = { key: emulator.apiKey };
  }
  const counts = { state: 0, events: 0, other: 0 };
  const server = serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: (request, env) => {
      const path = new URL(request.url).pathname;
      if (path === '/events' || path === '/api/v2/logs') counts.events++;
      else if (path === '/oauth/token') counts.other++;
      else counts.state++;
      return app.fetch(request, env);
    },
  });
  await new Promise((r) => server.once('listening', r));
  process.on('message', () => process.send({ counts }));
  process.send({ url: `http://127.0.0.1:${server.address().port}`, ...ready });
}

async function syncChild() {
  const { createSync } = await import('../dist/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'authsync-bench-'));
  let importedAt = null;
  const onProgress = (p) => {
    if (p.phase !== 'import' && importedAt === null) importedAt = performance.now();
  };
  const common = { databaseUrl: join(dir, 'bench.db'), settleMs: 0, env: {}, onProgress };
  const sync =
    values.provider === 'auth0'
      ? createSync({
          ...common,
          provider: 'auth0',
          auth0: {
            domain: values.url,
            clientId: values.key,
            clientSecret: values.secret,
            rateLimit: AUTH0_BUDGET,
          },
        })
      : createSync({ ...common, apiUrl: values.url, apiKey: values.key });
  const started = performance.now();
  const result = await sync.runOnce();
  const ended = performance.now();
  await sync.close();
  rmSync(dir, { recursive: true, force: true });
  process.send({
    imported: result.imported,
    importSeconds: ((importedAt ?? ended) - started) / 1000,
  });
  process.disconnect();
}

function child(mode, args) {
  const proc = fork(new URL(import.meta.url), ['--child', mode, ...args]);
  const next = () =>
    new Promise((resolve, reject) => {
      proc.once('message', resolve);
      proc.once('exit', (code) => code && reject(new Error(`${mode} exited with ${code}`)));
    });
  return { proc, next };
}

async function measure(provider) {
  const args = ['--provider', provider, '--latency', values.latency];
  const emu = child('emulator', [...args, '--events', values.events, '--changes', values.changes]);
  const e = await emu.next();
  const sync = child('sync', [
    ...args,
    '--url',
    e.url,
    `--key=${e.key}`,
    ...(e.secret ? [`--secret=${e.secret}`] : []),
  ]);
  const r = await sync.next();
  const counted = emu.next();
  emu.proc.send('count');
  const { counts } = await counted;
  emu.proc.kill();
  const budget = provider === 'auth0' ? AUTH0_BUDGET : { requests: 5900, windowMs: 60_000 };
  const perSecond = budget.requests / (budget.windowMs / 1000);
  const rate = counts.state / r.importSeconds;
  console.log(
    `${provider}: ${r.imported.toLocaleString('en-US')} objects imported in ${r.importSeconds.toFixed(1)} s with ` +
      `${counts.state.toLocaleString('en-US')} requests = ${rate.toFixed(1)} requests/s, ` +
      `${((100 * rate) / perSecond).toFixed(0)}% of the ${perSecond.toFixed(1)}/s budget ` +
      `(${values.latency} ms per request; ${(1000 / Number(values.latency)).toFixed(0)}/s one at a time)`,
  );
}

async function main() {
  await measure('workos');
  await measure('auth0');
}
