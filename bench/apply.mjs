#!/usr/bin/env node
// Apply-only benchmark: prints figures, asserts nothing. The events come from an in-process
// emulator, already parsed, so this measures projection + SQLite alone (no HTTP).
// With --floor it then replays every statement the sync wrote with, with the same values, into a
// fresh database: SQLite's share of applying these events (no reading, parsing or projecting;
// the inbox lookups, reads, are left out, so the real share is a little more).
// --provider auth0 applies an Auth0 tenant's logs instead (Management API writes, as many logs).
// --destination routes every event to one destination (ordered): the outbox and delivery rows
// are written with each commit (nothing is sent).
// Usage: node bench/apply.mjs [--events 100000] [--provider workos|auth0] [--dir /dev/shm]
//        [--destination] [--floor] [--json]
//        (run `npm run build` first)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Auth0Emulator } from '../dist/emulator/auth0/emulator.js';
import { Emulator } from '../dist/emulator/index.js';
import { SyncEngine } from '../dist/engine/sync.js';
import { auth0 } from '../dist/providers/auth0/index.js';
import { workos } from '../dist/providers/workos/index.js';
import { SQLITE_SCHEMA } from '../dist/schema/index.js';
import { SqliteStore } from '../dist/stores/sqlite/sqlite-store.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    dir: { type: 'string', default: tmpdir() },
    floor: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    provider: { type: 'string', default: 'workos' },
    destination: { type: 'boolean', default: false },
  },
});
const count = Number(values.events);
const provider = { workos, auth0 }[values.provider];
if (!provider) throw new Error(`--provider is workos or auth0, not ${values.provider}`);
const SOURCE = { id: provider.name, provider: provider.name, orderedIds: true };
const items = provider === auth0 ? auth0Logs(count) : workosEvents(count);
const pages = [];
for (let i = 0; i < items.length; i += 100) pages.push(items.slice(i, i + 100));

function workosEvents(n) {
  const emulator = new Emulator({ seed: 'bench', events: n });
  return Array.from({ length: n }, (_, j) => JSON.parse(emulator.world.events.at(j).json));
}

/** About `n` logs of Management API writes (a created user writes sapi and ss), as read. */
function auth0Logs(n) {
  const emulator = new Auth0Emulator({
    seed: 'bench',
    changes: Math.round(n / 1.1),
    apiOnly: true,
  });
  return JSON.parse(JSON.stringify(emulator.tenant.logs.visible(Date.now()))).slice(0, n);
}

const dir = mkdtempSync(join(values.dir, 'authsync-apply-'));
const store = new SqliteStore(join(dir, 'apply.db'), {
  storeSchema: SQLITE_SCHEMA,
  source: SOURCE,
});
await store.migrate();
const recorded = values.floor ? record(store.driver) : null;
let next = 0;
const engine = new SyncEngine({
  store,
  events: {
    readPage: async () => pages[next++] ?? [],
    cursorAfter: (raw) => raw.log_id ?? raw.id ?? null,
  },
  provider,
  ...(values.destination ? { routes: () => [{ destination: 'app', ordered: true }] } : {}),
  importOnFirstRun: false,
  settleMs: 0,
  readParallelism: 1,
});
const started = performance.now();
const cpuBefore = process.cpuUsage();
const result = await engine.drain();
const seconds = (performance.now() - started) / 1000;
const cpu = cpuSeconds(cpuBefore);
await store.close();
const figures = { events: result.applied, seconds, cpu, driver: store.driver.name };
if (!values.json)
  console.log(
    `apply only (${store.driver.name}, database in ${values.dir}): ${result.applied.toLocaleString('en-US')} events in ${seconds.toFixed(1)} s = ` +
      `${Math.round(result.applied / seconds).toLocaleString('en-US')} events/s, ${cpu.toFixed(2)} s of CPU`,
  );

if (recorded) {
  const floor = await replay(recorded, join(dir, 'floor.db'));
  figures.floor = floor;
  if (!values.json)
    console.log(
      `SQLite alone (the same ${floor.statements.toLocaleString('en-US')} statements in ${floor.commits} commits, values prepared): ` +
        `${floor.seconds.toFixed(2)} s = ${Math.round(result.applied / floor.seconds).toLocaleString('en-US')} events/s, ` +
        `${floor.cpu.toFixed(2)} s of CPU (COMMIT ${floor.commitSeconds.toFixed(2)} s)`,
    );
}
rmSync(dir, { recursive: true, force: true });
if (values.json) console.log(JSON.stringify(figures));

function cpuSeconds(before) {
  const u = process.cpuUsage(before);
  return (u.user + u.system) / 1e6;
}

/**
 * Wraps the driver so that every transaction's statements and values are kept, in order. The
 * executor prepares through `driver.prepare`, so wrapping it catches every statement it runs.
 */
function record(driver) {
  const commits = [];
  let current = null;
  const prepare = driver.prepare.bind(driver);
  driver.prepare = (sql) => {
    const statement = prepare(sql);
    const run = statement.run.bind(statement);
    return {
      run: (...params) => {
        current?.push([sql, params]);
        return run(...params);
      },
      get: statement.get.bind(statement),
      all: statement.all.bind(statement),
    };
  };
  const exec = driver.exec.bind(driver);
  driver.exec = (sql) => {
    if (sql.startsWith('BEGIN')) current = [];
    if (sql === 'COMMIT' && current) {
      commits.push(current);
      current = null;
    }
    return exec(sql);
  };
  return commits;
}

/** Runs the recorded commits into a fresh store of the same schema and settings. */
async function replay(commits, path) {
  const target = new SqliteStore(path, { storeSchema: SQLITE_SCHEMA, source: SOURCE });
  await target.migrate();
  const { driver } = target;
  const statements = new Map();
  for (const commit of commits)
    for (const [sql] of commit) if (!statements.has(sql)) statements.set(sql, driver.prepare(sql));
  let n = 0;
  let commitSeconds = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (const commit of commits) {
    driver.exec('BEGIN IMMEDIATE');
    for (const [sql, params] of commit) statements.get(sql).run(...params);
    const c = performance.now();
    driver.exec('COMMIT');
    commitSeconds += (performance.now() - c) / 1000;
    n += commit.length;
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(cpu0);
  await target.close();
  return { statements: n, commits: commits.length, seconds, cpu, commitSeconds };
}
