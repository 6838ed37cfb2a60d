import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { createSync } from '../../src/index.js';
import { waitFor } from '../helpers/serve-env.js';
import { childScript, pidOf, scriptProcesses } from '../helpers/sync-env.js';
import { tempDb } from '../helpers/test-db.js';
import { diffTruths, truthFromApi, truthFromDatabase } from '../helpers/truth.js';

describe('several processes on one PostgreSQL', () => {
  it('exactly one reads at a time; when the reader is killed another takes over; nothing is lost', async () => {
    const emu = await startEmulator({ seed: 95, events: 1000 });
    const db = tempDb('postgres');
    // Each process records every effect it runs: its pid, the event id and the event's lane.
    const { script, log } = childScript(
      `import { appendFileSync } from 'node:fs';
       import { createSync } from '__DIST__/index.js';
       import { laneOf } from '__DIST__/providers/workos/envelope.js';
       const sync = createSync({ ...${JSON.stringify(db.options)}, settleMs: 1000, pollIntervalMs: 200,
         logger: { info: (m) => console.log(m), warn() {}, error() {} } });
       // A 1 s timeout: what a killed process had claimed waits out a 5 s lease (4 x the timeout,
       // at least 5 s), not the default 60 s.
       sync.on('*', (e) => appendFileSync('__LOG__', process.pid + ' ' + e.id + ' ' + laneOf(e) + '\\n'), { timeoutMs: 1000 });
       const controller = new AbortController();
       process.on('SIGTERM', () => controller.abort());
       await sync.run(controller.signal);
       await sync.close();`,
    );
    const { children, start } = scriptProcesses(emu, script);
    const store = db.store();
    const reader = async () => (await store.processes!()).filter((p) => p.reader);
    try {
      // One process first (it imports), then two more.
      start();
      await waitFor(async () => (await reader()).length === 1, 20_000);
      start();
      start();
      await waitFor(async () => (await store.processes!()).length === 3, 10_000);
      emu.emulator.startLive(80);
      const killed: number[] = [];
      const takeovers: number[] = [];
      for (let round = 0; round < 2; round++) {
        await new Promise((r) => setTimeout(r, 2000));
        const [current] = await reader();
        expect(current, 'one reader').toBeDefined();
        expect((await reader()).length).toBe(1);
        const pid = pidOf(current!.name);
        const child = children.find((c) => c.pid === pid)!;
        const killedAt = Date.now();
        child.kill('SIGKILL');
        killed.push(pid);
        await waitFor(async () => {
          const now = await reader();
          return now.length === 1 && pidOf(now[0]!.name) !== pid;
        }, 15_000);
        takeovers.push(Date.now() - killedAt);
        start();
      }
      emu.emulator.stopLive();
      const truth = await truthFromApi(emu.url, emu.apiKey);
      await waitFor(
        async () => diffTruths(truth, await truthFromDatabase(db)).length === 0,
        30_000,
        async () => diffTruths(truth, await truthFromDatabase(db)).slice(0, 5),
      );
      // A new reader within seconds of the last one's death.
      for (const ms of takeovers) expect(ms).toBeLessThan(5000);

      // Every event's effect ran; a repeat only where the first run was in a process that died.
      const events: { id: string; type: string }[] = [];
      for (let i = 0; i < emu.emulator.world.events.length; i++) {
        const e = emu.emulator.world.events.at(i)!;
        events.push({ id: e.id, type: e.type });
      }
      await waitFor(() => {
        const ran = new Set(
          readFileSync(log, 'utf8')
            .trim()
            .split('\n')
            .map((l) => l.split(' ')[1]),
        );
        // The first import covers the generated past: effects run for events after it.
        return events.slice(-200).every((e) => ran.has(e.id));
      }, 20_000);
      const lines = readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((l) => {
          const [pid, id, lane] = l.split(' ');
          return { pid: Number(pid), id: id!, lane: lane ?? '' };
        });
      const firstRun = new Map<string, number>();
      for (const l of lines) {
        const pid = firstRun.get(l.id);
        if (pid === undefined) firstRun.set(l.id, l.pid);
        else expect(killed, `${l.id} ran twice`).toContain(pid);
      }
      // Per organization, in stream order (ids ascend in stream order).
      const lastInLane = new Map<string, string>();
      for (const l of lines) {
        if (firstRun.get(l.id) !== l.pid) continue;
        const last = lastInLane.get(l.lane);
        if (last !== undefined && lines.filter((x) => x.id === l.id).length === 1)
          expect(l.id > last, `${l.lane}: ${l.id} after ${last}`).toBe(true);
        lastInLane.set(l.lane, l.id);
      }
    } finally {
      emu.emulator.stopLive();
      for (const c of children) c.kill('SIGKILL');
      await store.close();
      await emu.close();
    }
  }, 120_000);

  it('a reader that is stopped without dying loses the role; nothing is lost when it runs again', async () => {
    const emu = await startEmulator({ seed: 96, events: 500 });
    const db = tempDb('postgres');
    const { script } = childScript(
      `import { createSync } from '__DIST__/index.js';
       const sync = createSync({ ...${JSON.stringify(db.options)}, settleMs: 1000, pollIntervalMs: 200,
         readerTimeoutMs: 2000, logger: { info() {}, warn() {}, error() {} } });
       const controller = new AbortController();
       process.on('SIGTERM', () => controller.abort());
       await sync.run(controller.signal);
       await sync.close();`,
    );
    const { children, start } = scriptProcesses(emu, script);
    const store = db.store();
    const readers = async () => (await store.processes!()).filter((p) => p.reader);
    try {
      start();
      await waitFor(async () => (await readers()).length === 1, 20_000);
      start();
      await waitFor(async () => (await store.processes!()).length === 2, 10_000);
      emu.emulator.startLive(80);
      await new Promise((r) => setTimeout(r, 1000));
      const [first] = await readers();
      const stopped = children.find((c) => c.pid === pidOf(first!.name))!;
      // Stopped, its connections stay open: only the server's idle limit ends its role.
      stopped.kill('SIGSTOP');
      const stoppedAt = Date.now();
      await waitFor(async () => {
        const now = await readers();
        return now.length === 1 && pidOf(now[0]!.name) !== stopped.pid;
      }, 20_000);
      const takeoverMs = Date.now() - stoppedAt;
      await new Promise((r) => setTimeout(r, 1000));
      // Running again, it finds its role gone and stands by.
      stopped.kill('SIGCONT');
      await waitFor(
        async () => (await store.processes!()).some((p) => pidOf(p.name) === stopped.pid),
        15_000,
      );
      const after = await readers();
      expect(after.length).toBe(1);
      expect(pidOf(after[0]!.name)).not.toBe(stopped.pid);
      emu.emulator.stopLive();
      const truth = await truthFromApi(emu.url, emu.apiKey);
      await waitFor(
        async () => diffTruths(truth, await truthFromDatabase(db)).length === 0,
        30_000,
        async () => diffTruths(truth, await truthFromDatabase(db)).slice(0, 5),
      );
      // 2 s idle, then the standby's next ask (every second or so); without the limit, never.
      expect(takeoverMs).toBeGreaterThan(1000);
      expect(takeoverMs).toBeLessThan(10_000);
    } finally {
      emu.emulator.stopLive();
      for (const c of children) c.kill('SIGKILL');
      await store.close();
      await emu.close();
    }
  }, 120_000);
});

describe('readerTimeoutMs', () => {
  it('below a second (or not a number) is refused with a message that names it', () => {
    const db = tempDb('postgres');
    for (const readerTimeoutMs of [0, 10, -5, Number.NaN])
      expect(() => createSync({ ...db.options, readerTimeoutMs, env: {} })).toThrow(
        /readerTimeoutMs must be at least 1,000 ms/,
      );
  });
});
