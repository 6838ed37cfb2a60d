// What the Worker benchmarks share: the bundle, D1's migrations, and cron ticks in Miniflare.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { migrationStatements } from '../../dist/stores/d1/migrations.js';

const root = new URL('../../', import.meta.url).pathname;

/** The Worker, bundled for workerd as `wrangler deploy` would (no Node built-ins): its source. */
export async function bundleWorker(dir) {
  const outfile = join(dir, 'worker.mjs');
  await build({
    entryPoints: [join(root, 'dist/worker.js')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    outfile,
    logLevel: 'silent',
  });
  return readFileSync(outfile, 'utf8');
}

/** What `wrangler d1 migrations apply` runs: each file, in order. */
export async function migrateD1(d1) {
  for (const file of readdirSync(join(root, 'd1/migrations')).sort()) {
    const statements = migrationStatements(readFileSync(join(root, 'd1/migrations', file), 'utf8'));
    await d1.batch(statements.map((s) => d1.prepare(s)));
  }
}

/**
 * Gathers the Worker's run reports from its log (pass `collectRuns(reports)` as Miniflare's
 * `handleRuntimeStdio`).
 */
export const collectRuns = (reports) => (stdout, stderr) => {
  for (const stream of [stdout, stderr])
    stream.on('data', (chunk) => {
      for (const line of String(chunk).split('\n'))
        if (line.includes('"run done"')) reports.push(JSON.parse(line));
    });
};

/**
 * One cron tick, as a plain request (/cdn-cgi/handler/scheduled, with `unsafeTriggerHandlers`)
 * rather than through Miniflare's synchronous proxy, which now and then failed an assertion of
 * its own. Resolves with the run's report.
 */
export async function scheduled(mf, reports) {
  const n = reports.length;
  const outcome = await (
    await mf.dispatchFetch('http://worker.test/cdn-cgi/handler/scheduled?cron=*+*+*+*+*')
  ).text();
  // The run's report is logged on its way out; wait for the line if it has not come yet.
  for (let i = 0; i < 100 && reports.length === n; i++) await new Promise((r) => setTimeout(r, 20));
  if (outcome !== 'ok') throw new Error(`scheduled run ended ${outcome}`);
  return reports.at(-1);
}
