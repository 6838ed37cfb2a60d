import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { TABLES } from '../../src/engine/tables.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { D1Store } from '../../src/stores/d1/d1-store.js';
import { migrationStatements } from '../../src/stores/d1/migrations.js';
import type { D1Database } from '../../src/stores/d1/d1-types.js';
import type { TestDb } from './test-db.js';

const root = new URL('../../', import.meta.url).pathname;

/**
 * Bundles `authsync/worker` (from dist) for workerd: platform neutral, no Node built-ins, no
 * Node compatibility flag. A Node-only module reachable from the entry fails the build.
 * `effectsUrl`: a Worker whose effect handler POSTs each event id there (to record effects).
 */
export async function bundleWorker(
  effectsUrl?: string,
): Promise<{ path: string; inputs: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'authsync-worker-'));
  const entry = join(dir, 'entry.mjs');
  writeFileSync(
    entry,
    effectsUrl
      ? `import { createWorker } from ${JSON.stringify(join(root, 'dist/worker.js'))};
export default createWorker({ on: { '*': async (event) => {
  const r = await fetch(${JSON.stringify(effectsUrl)}, { method: 'POST', body: event.id });
  if (!r.ok) throw new Error('recorder answered ' + r.status);
} } });`
      : `export { default } from ${JSON.stringify(join(root, 'dist/worker.js'))};`,
  );
  const out = join(dir, 'worker.mjs');
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    outfile: out,
    metafile: true,
    logLevel: 'silent',
  });
  return { path: out, inputs: Object.keys(result.metafile.inputs) };
}

export interface RunningWorker {
  mf: Miniflare;
  d1: D1Database;
  /** The Worker's tables, for the truth comparisons. */
  db: TestDb;
  /** One cron tick; resolves when the run has finished. */
  scheduled(): Promise<void>;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** The Worker's log lines (JSON). */
  logs: string[];
  /** The reports of the runs so far (the Worker logs one per run). */
  runs(): Record<string, any>[];
  close(): Promise<void>;
}

/**
 * The Worker in workerd (Miniflare) with a D1 database migrated from d1/migrations, reading the
 * emulator on loopback. `persistDir` keeps D1 on disk across Worker instances (a killed run).
 */
export async function startWorker(
  emu: RunningEmulator,
  options: {
    script: string;
    vars?: Record<string, string>;
    persistDir?: string;
    migrate?: boolean;
  },
): Promise<RunningWorker> {
  const logs: string[] = [];
  const mf = new Miniflare({
    modules: [
      { type: 'ESModule', path: 'worker.mjs', contents: readFileSync(options.script, 'utf8') },
    ],
    compatibilityDate: '2025-09-01',
    d1Databases: { DB: 'authsync-test' },
    // The Worker's JSON log lines, kept for the test instead of printed.
    handleRuntimeStdio(stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) {
      for (const stream of [stdout, stderr])
        stream.on('data', (chunk: Buffer | string) => {
          for (const line of String(chunk).split('\n')) if (line.startsWith('{')) logs.push(line);
        });
    },
    d1Persist: options.persistDir ?? false,
    bindings: {
      WORKOS_API_KEY: emu.apiKey,
      WORKOS_API_URL: emu.url,
      ...options.vars,
    },
  });
  await mf.ready;
  const d1 = (await mf.getD1Database('DB')) as unknown as D1Database;
  if (options.migrate ?? true) await applyMigrations(d1);
  const worker = (await mf.getWorker()) as unknown as {
    scheduled(options: { cron: string }): Promise<{ outcome: string }>;
  };
  return {
    mf,
    d1,
    db: d1TestDb(d1),
    async scheduled() {
      const result = await worker.scheduled({ cron: '* * * * *' });
      if (result.outcome !== 'ok') throw new Error(`scheduled run ended ${result.outcome}`);
    },
    fetch: (path, init) =>
      mf.dispatchFetch(new URL(path, 'http://worker.test').toString(), init as never) as never,
    logs,
    runs: () =>
      logs.map((l) => JSON.parse(l) as Record<string, any>).filter((l) => l.message === 'run done'),
    close: () => mf.dispose(),
  };
}

/** What `wrangler d1 migrations apply` does: each file of d1/migrations, in order, not yet applied. */
export async function applyMigrations(d1: D1Database): Promise<string[]> {
  const dir = join(root, 'd1/migrations');
  const applied: string[] = [];
  for (const file of readdirSync(dir).sort()) {
    const statements = migrationStatements(readFileSync(join(dir, file), 'utf8'));
    await d1.batch(statements.map((s) => d1.prepare(s)));
    applied.push(file);
  }
  return applied;
}

function d1TestDb(d1: D1Database): TestDb {
  return {
    kind: 'd1' as never,
    url: 'd1',
    options: { databaseUrl: 'd1' },
    env: {},
    async query<T>(text: string) {
      return (await d1.prepare(text).all()).results as T[];
    },
    async exec(text: string) {
      await d1.prepare(text).run();
    },
    store: () => new D1Store(d1),
  };
}

export const WORKOS_TABLES = Object.keys(TABLES);
