import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { migrationStatements } from '../../src/stores/d1/migrations.js';
import type { Queryable } from './test-db.js';

const root = new URL('../../', import.meta.url).pathname;
/** The test bundle's route for SQL against its D1 binding (see bundleWorker). */
const TEST_D1_PATH = '/__authsync_test/d1';

/**
 * Bundles `authsync/worker` (from dist) for workerd: platform neutral, no Node built-ins, no
 * Node compatibility flag. A Node-only module reachable from the entry fails the build.
 * `effectsUrl`: a Worker whose handler POSTs each event id there (to record them); a handler's
 * attempt may take 250 ms, so a killed run's claims are leased for 5 s.
 */
export async function bundleWorker(
  effectsUrl?: string,
): Promise<{ path: string; inputs: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'authsync-worker-'));
  const entry = join(dir, 'entry.mjs');
  const worker = effectsUrl
    ? `createWorker({ on: { '*': async (event) => {
  const r = await fetch(${JSON.stringify(effectsUrl)}, { method: 'POST', body: event.id });
  if (!r.ok) throw new Error('recorder answered ' + r.status);
} }, handlerOptions: { timeoutMs: 250 } })`
    : 'createWorker()';
  writeFileSync(
    entry,
    `import { createWorker } from ${JSON.stringify(join(root, 'dist/worker.js'))};
const worker = ${worker};
export default {
  ...worker,
  // For the tests alone: they read and migrate D1 through this route, over real HTTP, rather
  // than through Miniflare's getD1Database() proxy, whose synchronous calls now and then failed
  // an assertion inside Miniflare (message?.id === id in fetch-sync.ts) on a loaded machine.
  async fetch(request, env, ctx) {
    if (new URL(request.url).pathname !== ${JSON.stringify(TEST_D1_PATH)})
      return worker.fetch(request, env, ctx);
    const statements = await request.json();
    const results = await env.DB.batch(statements.map((s) => env.DB.prepare(s)));
    return Response.json(results.map((r) => r.results));
  },
};
`,
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
  /** The Worker's D1 tables, for the truth comparisons. */
  db: Queryable;
  /** Statements run as one D1 batch (as `wrangler d1 migrations apply` runs a file). */
  exec(statements: string[]): Promise<void>;
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
 * Everything goes to workerd as HTTP requests: cron ticks through Miniflare's
 * `/cdn-cgi/handler/scheduled`, SQL through the test bundle's own route.
 */
export async function startWorker(
  /** The WorkOS emulator it reads, or null (then `vars` say what it reads). */
  emu: RunningEmulator | null,
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
    unsafeTriggerHandlers: true,
    // The Worker's JSON log lines, kept for the test instead of printed.
    handleRuntimeStdio(stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) {
      for (const stream of [stdout, stderr])
        stream.on('data', (chunk: Buffer | string) => {
          for (const line of String(chunk).split('\n')) if (line.startsWith('{')) logs.push(line);
        });
    },
    d1Persist: options.persistDir ?? false,
    bindings: {
      ...(emu ? { WORKOS_API_KEY: emu.apiKey, WORKOS_API_URL: emu.url } : {}),
      ...options.vars,
    },
  });
  await mf.ready;
  const runsDone = () =>
    logs.map((l) => JSON.parse(l) as Record<string, any>).filter((l) => l.message === 'run done');
  const fetch = (path: string, init?: RequestInit): Promise<Response> =>
    mf.dispatchFetch(new URL(path, 'http://worker.test').toString(), init as never) as never;
  const sql = async (statements: string[]): Promise<unknown[][]> => {
    const response = await fetch(TEST_D1_PATH, {
      method: 'POST',
      body: JSON.stringify(statements),
    });
    if (!response.ok) throw new Error(`D1 answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as unknown[][];
  };
  if (options.migrate ?? true) await applyMigrations(sql);
  return {
    db: { query: async <T>(text: string) => (await sql([text]))[0] as T[] },
    exec: async (statements: string[]) => void (await sql(statements)),
    async scheduled() {
      const before = runsDone().length;
      const response = await fetch('/cdn-cgi/handler/scheduled?cron=*+*+*+*+*');
      const outcome = await response.text();
      if (outcome !== 'ok') throw new Error(`scheduled run ended ${outcome}`);
      // The run's report comes through workerd's stdout pipe, which may be read after the
      // answer (seen in a loaded CI run): wait for it, so runs() always includes this run.
      for (let waited = 0; runsDone().length === before && waited < 10_000; waited += 20)
        await new Promise((r) => setTimeout(r, 20));
    },
    fetch,
    logs,
    runs: runsDone,
    close: () => mf.dispose(),
  };
}

/** What `wrangler d1 migrations apply` does: each file of d1/migrations, in order, one batch each. */
async function applyMigrations(sql: (statements: string[]) => Promise<unknown>): Promise<void> {
  const dir = join(root, 'd1/migrations');
  for (const file of readdirSync(dir).sort())
    await sql(migrationStatements(readFileSync(join(dir, file), 'utf8')));
}
