import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { waitFor } from '../helpers/serve-env.js';
import { childScript, cliEnv, pidOf, scriptProcesses } from '../helpers/sync-env.js';
import { tempDb } from '../helpers/test-db.js';
import { diffTruths, truthFromApi, truthFromDatabase } from '../helpers/truth.js';

const lines = (path: string) =>
  existsSync(path)
    ? readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const [pid, id, lane] = l.split(' ');
          return { pid: Number(pid), id: id!, lane: lane ?? '' };
        })
    : [];

describe('distributed work: applying and effects spread over processes (pg-boss)', () => {
  it('three processes, the reader killed twice: tables equal, each lane applied in stream order, work done by several processes', async () => {
    const emu = await startEmulator({ seed: 96, events: 1000 });
    const db = tempDb('postgres');
    // Each process records each event it applies (at commit) and each effect it runs.
    const { script, log } = childScript(
      `import { appendFileSync } from 'node:fs';
       import { createSync } from '__DIST__/index.js';
       import { laneOf } from '__DIST__/providers/workos/envelope.js';
       const sync = createSync({ ...${JSON.stringify(db.options)}, settleMs: 1000, pollIntervalMs: 200,
         distribute: true, workConcurrency: 8, workExpireSeconds: 3,
         onApplied: (events) => appendFileSync('__LOG__.applied', events.map((e) => process.pid + ' ' + e.id + ' ' + e.lane + '\\n').join('')),
         logger: { info() {}, warn() {}, error() {} } });
       // A 1 s timeout: what a killed process had claimed waits out a 5 s lease (4 x the timeout,
       // at least 5 s), not the default 60 s.
       sync.on('*', (e) => appendFileSync('__LOG__', process.pid + ' ' + e.id + ' ' + laneOf(e) + '\\n'), { timeoutMs: 1000 });
       const controller = new AbortController();
       process.on('SIGTERM', () => controller.abort());
       await sync.run(controller.signal);
       await sync.close();`,
    );
    const appliedLog = `${log}.applied`;
    const { children, start } = scriptProcesses(emu, script);
    const store = db.store();
    const reader = async () => (await store.processes!()).filter((p) => p.reader);
    try {
      start();
      await waitFor(async () => (await reader()).length === 1, 20_000);
      start();
      start();
      await waitFor(async () => (await store.processes!()).length === 3, 10_000);
      emu.emulator.startLive(80);
      const killed: number[] = [];
      for (let round = 0; round < 2; round++) {
        await new Promise((r) => setTimeout(r, 2500));
        const [current] = await reader();
        expect(current, 'one reader').toBeDefined();
        const pid = pidOf(current!.name);
        children.find((c) => c.pid === pid)!.kill('SIGKILL');
        killed.push(pid);
        await waitFor(async () => {
          const now = await reader();
          return now.length === 1 && pidOf(now[0]!.name) !== pid;
        }, 15_000);
        start();
      }
      await new Promise((r) => setTimeout(r, 1000));
      emu.emulator.stopLive();
      const truth = await truthFromApi(emu.url, emu.apiKey);
      await waitFor(
        async () => diffTruths(truth, await truthFromDatabase(db)).length === 0,
        40_000,
        async () => diffTruths(truth, await truthFromDatabase(db)).slice(0, 5),
      );
      // Nothing left queued.
      await waitFor(
        async () =>
          (
            await db.query<{ n: number }>(
              "SELECT COUNT(*) AS n FROM authsync_events WHERE status = 'queued'",
            )
          )[0]!.n == 0,
        20_000,
      );

      const applied = lines(appliedLog);
      // Applied exactly once each (a job completes in the transaction that applies its events).
      const ids = applied.map((l) => l.id);
      expect(new Set(ids).size).toBe(ids.length);
      // By more than one process: the work was spread.
      expect(new Set(applied.map((l) => l.pid)).size).toBeGreaterThan(1);
      // Per lane, in stream order (ids ascend in stream order).
      const last = new Map<string, string>();
      for (const l of applied) {
        const before = last.get(l.lane);
        if (before !== undefined)
          expect(l.id > before, `${l.lane}: ${l.id} after ${before}`).toBe(true);
        last.set(l.lane, l.id);
      }
      // Every applied event's effect ran; a repeat only where the first run was in a killed process.
      await waitFor(() => {
        const ran = new Set(lines(log).map((l) => l.id));
        return ids.every((id) => ran.has(id));
      }, 20_000);
      const firstRun = new Map<string, number>();
      for (const l of lines(log)) {
        const pid = firstRun.get(l.id);
        if (pid === undefined) firstRun.set(l.id, l.pid);
        else expect(killed, `${l.id} ran twice`).toContain(pid);
      }
    } finally {
      emu.emulator.stopLive();
      for (const c of children) c.kill('SIGKILL');
      await store.close();
      await emu.close();
    }
  }, 150_000);

  it('a backlog caught up by two processes: every event applied once, none left queued', async () => {
    // A catch-up (parallel slices, pipelined commits) with distributed work. The benchmark found
    // a race here (the reader's batch in flight named a job's events too, and the worker in the
    // reader's process took them for duplicates: the job completed, its events stayed queued);
    // this test checks the outcome but does not reproduce that timing reliably.
    const emu = await startEmulator({ seed: 97, events: 6000 });
    const db = tempDb('postgres');
    const { script } = childScript(
      `import { createSync } from '__DIST__/index.js';
       const sync = createSync({ ...${JSON.stringify(db.options)}, settleMs: 0, pollIntervalMs: 200,
         importOnFirstRun: false, distribute: true, workConcurrency: 4,
         logger: { info() {}, warn() {}, error() {} } });
       const controller = new AbortController();
       process.on('SIGTERM', () => controller.abort());
       await sync.run(controller.signal);
       await sync.close();`,
    );
    const children = [0, 1].map(() =>
      spawn('node', [script], { env: cliEnv(emu), stdio: 'ignore' }),
    );
    const count = async (status: string) =>
      Number(
        (
          await db
            .query<{ n: number }>(
              `SELECT COUNT(*) AS n FROM authsync_events WHERE status = '${status}'`,
            )
            .catch(() => [{ n: 0 }])
        )[0]!.n,
      );
    try {
      await waitFor(
        async () => (await count('applied')) === 6000,
        60_000,
        async () => ({
          applied: await count('applied'),
          queued: await count('queued'),
        }),
      );
      expect(await count('queued')).toBe(0);
      const truth = await truthFromApi(emu.url, emu.apiKey);
      expect(diffTruths(truth, await truthFromDatabase(db)).slice(0, 5)).toEqual([]);
    } finally {
      for (const c of children) c.kill('SIGKILL');
      await emu.close();
    }
  }, 120_000);
});
