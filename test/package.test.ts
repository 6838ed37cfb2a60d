import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { spawnEmulator } from './helpers/cli.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');

/**
 * The package as npm publishes it: packed, installed into an empty project, then used the
 * way the README says (`npx authsync emulator ...`, `import 'authsync/emulator'`).
 */
describe('the published package', () => {
  it('installs, runs `npx authsync emulator`, exports authsync/emulator, authsync/serve and authsync/worker, and ships the D1 migrations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authsync-pack-'));
    const { stdout } = await run(
      'npm',
      ['pack', '--silent', '--ignore-scripts', '--pack-destination', dir],
      { cwd: root },
    );
    const tarball = join(dir, stdout.trim().split('\n').pop()!);
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    await run(
      'npm',
      ['install', '--silent', '--no-audit', '--no-fund', '--prefer-offline', tarball],
      { cwd: dir },
    );

    const pkg = JSON.parse(readFileSync(join(dir, 'node_modules/authsync/package.json'), 'utf8'));
    expect(pkg.bin.authsync).toBe('dist/cli.js');

    const emu = await spawnEmulator(
      'npx',
      ['authsync', 'emulator', '--seed', '1', '--events', '10000'],
      { cwd: dir },
    );
    try {
      expect(emu.readyMs).toBeLessThan(5000);
      const r = await fetch(`${emu.url}/events?order=asc&limit=100`, {
        headers: { authorization: `Bearer ${emu.apiKey}` },
      });
      expect(((await r.json()) as { data: unknown[] }).data).toHaveLength(100);
    } finally {
      emu.stop();
    }

    writeFileSync(
      join(dir, 'use.mjs'),
      `import { startEmulator } from 'authsync/emulator';
       import { VERSION } from 'authsync';
       import { startService, ServeMetrics } from 'authsync/serve';
       if (typeof startService !== 'function' || typeof ServeMetrics !== 'function') throw new Error('authsync/serve');
       import worker, { createWorker } from 'authsync/worker';
       if (typeof createWorker !== 'function' || typeof worker.scheduled !== 'function') throw new Error('authsync/worker');
       const emu = await startEmulator({ events: 10 });
       const r = await fetch(emu.url + '/events?limit=100', { headers: { authorization: 'Bearer ' + emu.apiKey } });
       const body = await r.json();
       await emu.close();
       console.log(JSON.stringify({ version: VERSION, events: body.data.length }));`,
    );
    // What examples/worker/wrangler.toml points wrangler at.
    expect(
      readFileSync(join(dir, 'node_modules/authsync/d1/migrations/0001_tables.sql'), 'utf8'),
    ).toMatch(/CREATE TABLE workos_users/);
    const used = await run('node', ['use.mjs'], { cwd: dir });
    expect(JSON.parse(used.stdout)).toEqual({ version: pkg.version, events: 10 });

    // The README links to docs/ and examples/; source maps carry the sources they point at.
    const shipped = join(dir, 'node_modules/authsync');
    expect(readFileSync(join(shipped, 'docs/delivery.md'), 'utf8')).toMatch(/^# /);
    expect(readFileSync(join(shipped, 'examples/worker/index.js'), 'utf8')).toContain('authsync');
    const map = JSON.parse(readFileSync(join(shipped, 'dist/sync.js.map'), 'utf8'));
    expect(map.sourcesContent[0]).toContain('export class Sync');

    // Drivers are optional peers: not installed with the package, and named when needed.
    expect(existsSync(join(dir, 'node_modules/pg'))).toBe(false);
    expect(existsSync(join(dir, 'node_modules/pg-boss'))).toBe(false);
    const status = await run('npx', ['authsync', 'status'], {
      cwd: dir,
      env: { ...process.env, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x' },
    }).catch((e: { code: number; stderr: string }) => e);
    expect(status).toMatchObject({ code: 1 });
    expect((status as { stderr: string }).stderr).toContain(
      'needs the npm package pg, which is not installed: npm install pg',
    );
  }, 300_000);

  it('a production install (no TypeScript) uses the dist/ it has instead of failing to build', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authsync-prepare-'));
    mkdirSync(join(dir, 'scripts'));
    cpSync(join(root, 'scripts/prepare.mjs'), join(dir, 'scripts/prepare.mjs'));
    const bare = await run('node', ['scripts/prepare.mjs'], { cwd: dir });
    expect(bare.stdout).toContain('npm ci && npm prune --omit=dev');
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist/cli.js'), '');
    const built = await run('node', ['scripts/prepare.mjs'], { cwd: dir });
    expect(built.stdout).toContain('dist/ is used as it is');
  });
});
