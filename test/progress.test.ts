import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulator/index.js';
import { statusReport } from '../src/status-report.js';
import { cliEnv, syncFor, tempDbPath } from './helpers/sync-env.js';
import { RateLimiter } from '../src/http/rate-limiter.js';
import { progressLine } from '../src/runtimes/node/progress.js';
import { startAuth0Emulator } from '../src/emulator/auth0/server.js';
import type { Progress } from '../src/engine/sync.js';
import { auth0SyncFor } from './helpers/auth0-truth.js';

/** A terminal that keeps what was drawn. */
function terminal() {
  const writes: string[] = [];
  const stream = { isTTY: true, write: (s: string) => writes.push(s) > 0 };
  const last = () => writes.filter((w) => w.startsWith('\r')).at(-1) ?? '';
  return { stream: stream as unknown as NodeJS.WriteStream, writes, last };
}

describe('the progress line', () => {
  it('says how far behind the head the events are and when they will be there', async () => {
    const tty = terminal();
    const line = progressLine(tty.stream);
    const startedAtMs = Date.now();
    const at = (hoursAgo: number) => new Date(Date.now() - hoursAgo * 3_600_000).toISOString();
    line.update({ phase: 'events', count: 1000, startedAtMs, lastEventAt: at(3) });
    await new Promise((r) => setTimeout(r, 300));
    // Two hours of events in 0.3 s: the last hour takes a fraction of a second more.
    line.update({ phase: 'events', count: 9000, startedAtMs, lastEventAt: at(1) });
    expect(tty.last().replace('\r\x1b[2K', '')).toMatch(
      /^9,000 events read \([\d,]+\/s\), 60 min behind, at the head in ~0 s$/,
    );
    line.done();
  });

  it('shows a wait for the rate budget while nothing else moves, redrawn every second', async () => {
    const tty = terminal();
    const line = progressLine(tty.stream);
    let waits = { totalMs: 12_000, currentMs: 5_000 };
    line.watch(() => waits);
    line.update({ phase: 'import', count: 500, startedAtMs: Date.now() - 10_000 });
    expect(tty.last()).toContain(
      '500 objects imported (50/s), waiting for the rate budget 5 s (12 s in all)',
    );
    const drawn = tty.writes.length;
    waits = { totalMs: 13_100, currentMs: 6_100 };
    await new Promise((r) => setTimeout(r, 1200));
    expect(tty.writes.length).toBeGreaterThan(drawn);
    expect(tty.last()).toContain('waiting for the rate budget 6 s (13 s in all)');
    waits = { totalMs: 13_100, currentMs: 0 };
    await new Promise((r) => setTimeout(r, 1100));
    expect(tty.last()).toMatch(/13 s waited for the rate budget$/);
    line.done();
  });

  it("an Auth0 import counts each kind against the total the tenant's lists give", async () => {
    const emu = await startAuth0Emulator({ seed: 'progress-totals', changes: 400 });
    const seen: Progress[] = [];
    const sync = auth0SyncFor(emu, tempDbPath(), {
      onProgress: (p) => seen.push(structuredClone(p)),
    });
    const tty = terminal();
    const line = progressLine(tty.stream);
    try {
      await sync.runOnce();
      const imports = seen.filter((p) => p.phase === 'import');
      const { tenant } = emu.emulator;
      // Every kind with a total ends at it: the users, roles and organizations the tenant has.
      expect(imports.at(-1)?.totals).toEqual({
        role: { done: tenant.roles.size, total: tenant.roles.size },
        user: { done: tenant.users.size, total: tenant.users.size },
        organization: { done: tenant.organizations.size, total: tenant.organizations.size },
      });
      // On the way: a kind part done, never past its total.
      const partway = imports.find(
        (p) => p.totals?.user && p.totals.user.done < p.totals.user.total,
      );
      expect(partway).toBeDefined();
      line.update(partway!);
      expect(tty.last()).toMatch(
        new RegExp(
          `objects imported \\([\\d,]+/s\\), roles ${tenant.roles.size} of ${tenant.roles.size}, users [\\d,]+ of ${tenant.users.size.toLocaleString('en-US')}$`,
        ),
      );
    } finally {
      line.done();
      await sync.close();
      await emu.close();
    }
  });

  it('the rate limiter counts the time requests waited, once however many wait together', async () => {
    const limiter = new RateLimiter(1, 400);
    await limiter.take();
    expect(limiter.waits().totalMs).toBe(0);
    const started = Date.now();
    const waiting = Promise.all([limiter.take(), limiter.take()]);
    await new Promise((r) => setTimeout(r, 150));
    expect(limiter.waits().currentMs).toBeGreaterThanOrEqual(100);
    await waiting;
    const elapsed = Date.now() - started;
    const { totalMs, currentMs } = limiter.waits();
    expect(currentMs).toBe(0);
    // The second waited a window more than the first: one span of waiting, not two added up.
    expect(totalMs).toBeGreaterThanOrEqual(700);
    expect(totalMs).toBeLessThanOrEqual(elapsed + 5);
  });

  it('a running sync writes where it is; `status` in another process shows it while it is fresh', async () => {
    const emu = await startEmulator({ seed: 99, events: 3000 });
    const path = tempDbPath();
    const sync = syncFor(emu, path, { settleMs: 0, importOnFirstRun: false });
    try {
      await sync.runOnce();
      const retention = { days: 30, warnAfterSeconds: 1_296_000 };
      const report = await statusReport(sync.store, retention);
      expect(report.progress).toMatchObject({ phase: 'events', rateLimitWaitSeconds: 0 });
      expect(report.progress!.count).toBeGreaterThan(0);
      expect(report.progress!.lastEventAt).toMatch(/^\d{4}-/);
      // Older than 30 s: the work ended, or its process is gone.
      expect((await statusReport(sync.store, retention, Date.now() + 31_000)).progress).toBeNull();
      const { stdout } = await promisify(execFile)(
        'node',
        [new URL('../dist/cli.js', import.meta.url).pathname, 'status'],
        { env: cliEnv(emu, { DATABASE_URL: path }) },
      );
      expect(stdout).toMatch(/^progress\s+events: [\d,]+ \([\d,]+\/s\)/m);
    } finally {
      await sync.close();
      await emu.close();
    }
  });
});
