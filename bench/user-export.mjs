#!/usr/bin/env node
// Auth0 user export benchmark: prints figures, asserts nothing. An emulated tenant with --users
// users (each with ~400 characters of metadata that compresses as little as real data) serves
// its export job; a fresh process per run reads every user from it (no database) with the
// download held in memory or in a temporary file (Node's default), alternating, and prints
// peak RSS and ArrayBuffer memory, sampled every 20 ms.
// Usage: node bench/user-export.mjs [--users 250000] [--runs 2]   (run `npm run build` first)
/* global setInterval, clearInterval */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    users: { type: 'string', default: '250000' },
    runs: { type: 'string', default: '2' },
    url: { type: 'string' },
    id: { type: 'string' },
    secret: { type: 'string' },
  },
});

if (values.child === 'tenant') await tenantChild();
else if (values.child) await readChild(values.child);
else await main();

async function tenantChild() {
  const { startAuth0Emulator } = await import('../dist/emulator/auth0/server.js');
  const emu = await startAuth0Emulator({ seed: 'user-export', changes: 10 });
  const users = Number(values.users);
  for (let i = 0; i < users; i += 10_000)
    emu.emulator.tenant.importUsers(
      Array.from({ length: Math.min(10_000, users - i) }, (_, j) => ({
        email: `user${i + j}@example.com`,
        name: `User ${i + j}`,
      })),
    );
  for (const user of emu.emulator.search.users.values())
    user.user_metadata = { notes: randomBytes(300).toString('base64'), plan: 'pro', seats: 12 };
  process.send({ url: emu.url, id: emu.clientId, secret: emu.clientSecret });
}

async function readChild(spoolName) {
  const { Auth0StateImporter } = await import('../dist/providers/auth0/state-importer.js');
  const { auth0Api } = await import('../dist/providers/auth0/http.js');
  const { Auth0Tokens } = await import('../dist/providers/auth0/token.js');
  const { fileSpool } = await import('../dist/runtimes/node/file-spool.js');
  const { undiciGet } = await import('../dist/runtimes/node/http-get.js');
  const { memorySpool } = await import('../dist/http/spool.js');
  const { url, id, secret } = values;
  let fileBytes = 0;
  const http = auth0Api({
    origin: url,
    tokens: new Auth0Tokens({ origin: url, clientId: id, clientSecret: secret }),
    get: undiciGet,
    logger: {
      info: (_message, fields) => void (fields?.bytes && (fileBytes = fields.bytes)),
      warn() {},
      error() {},
    },
  });
  const spool = spoolName === 'file' ? fileSpool() : memorySpool();
  const importer = new Auth0StateImporter(http, { spool });
  const peak = { rss: 0, arrayBuffers: 0 };
  const sampler = setInterval(() => {
    const memory = process.memoryUsage();
    peak.rss = Math.max(peak.rss, memory.rss);
    peak.arrayBuffers = Math.max(peak.arrayBuffers, memory.arrayBuffers);
  }, 20);
  const started = performance.now();
  let users = 0;
  // From the users on ('1'): the roles before them are a page.
  for await (const page of importer.snapshot(undefined, '1'))
    for (const item of page.items) if (item.kind === 'user') users++;
  clearInterval(sampler);
  const mb = (bytes) => (bytes / 1024 / 1024).toFixed(0);
  console.log(
    `${spoolName.padEnd(6)}  ${users} users  file ${(fileBytes / 1e6).toFixed(1)} MB  ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s  peak RSS ${mb(peak.rss)} MB  ` +
      `peak ArrayBuffers ${mb(peak.arrayBuffers)} MB`,
  );
  process.exit(0);
}

async function main() {
  const script = new URL(import.meta.url).pathname;
  const tenant = fork(script, ['--child', 'tenant', '--users', values.users]);
  const { url, id, secret } = await new Promise((resolve) => tenant.once('message', resolve));
  console.log(`Auth0 user export, ${values.users} users (Node ${process.version})`);
  for (let run = 0; run < Number(values.runs); run++)
    for (const spool of ['memory', 'file']) {
      const reader = fork(script, ['--child', spool, '--url', url, '--id', id, '--secret', secret]);
      await new Promise((resolve) => reader.once('exit', resolve));
    }
  tenant.kill();
}
