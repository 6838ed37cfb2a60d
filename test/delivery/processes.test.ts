import { spawn, type ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { FORWARD_SECRET as SECRET } from '../helpers/app-endpoint.js';
import { startReceiver } from '../helpers/receiver.js';
import { waitFor } from '../helpers/serve-env.js';
import { cliEnv } from '../helpers/sync-env.js';
import { tempDb } from '../helpers/test-db.js';

const CLI = new URL('../../dist/cli.js', import.meta.url).pathname;

describe('delivery from several processes on one PostgreSQL', () => {
  it('three processes deliver every event; none twice unless its sender was killed; in order per organization', async () => {
    const emu = await startEmulator({ seed: 77, events: 300 });
    const rx = await startReceiver();
    const db = tempDb('postgres');
    const env = cliEnv(emu, {
      DATABASE_URL: db.options.databaseUrl,
      DATABASE_SCHEMA: db.options.schema!,
      AUTHSYNC_SETTLE_MS: '500',
      AUTHSYNC_DESTINATIONS: JSON.stringify([
        {
          name: 'app',
          url: rx.at('app'),
          secrets: [SECRET],
          concurrency: 4,
          timeoutMs: 1000,
          schedule: Array.from({ length: 20 }, () => '500ms'),
        },
      ]),
    });
    const children: ChildProcess[] = [];
    const start = () => {
      const child = spawn(process.execPath, [CLI, 'sync'], {
        env,
        stdio: 'ignore',
      });
      children.push(child);
    };
    const store = db.store();
    try {
      start();
      await waitFor(async () => (await store.processes!()).length === 1, 20_000);
      start();
      start();
      await waitFor(async () => (await store.processes!()).length === 3, 10_000);
      const from = emu.emulator.world.events.length;
      emu.emulator.startLive(100);
      await new Promise((r) => setTimeout(r, 1500));
      // One process dies mid-stream, deliveries in its hands (their leases run out, others
      // take them up: at least once).
      children[1]!.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 1500));
      emu.emulator.stopLive();
      const expected: string[] = [];
      for (let i = from; i < emu.emulator.world.events.length; i++)
        expected.push(emu.emulator.world.events.at(i)!.id);
      expect(expected.length).toBeGreaterThan(100);
      const accepted = async () =>
        new Set((await rx.log('app')).filter((r) => r.status === 200).map((r) => r.id));
      await waitFor(
        async () => {
          const got = await accepted();
          return expected.every((id) => got.has(id));
        },
        30_000,
        async () => {
          const got = await accepted();
          return `${expected.filter((id) => !got.has(id)).length} not delivered`;
        },
      );
      const log = (await rx.log('app')).filter((r) => r.status === 200);
      expect(log.every((r) => r.verified)).toBe(true);
      // Repeats only of what the killed process may have had in flight or unrecorded.
      expect(log.length - new Set(log.map((r) => r.id)).size).toBeLessThanOrEqual(20);
      // Per organization, first arrivals in stream order (WorkOS ids ascend in stream order).
      const lanes = new Map(
        (
          await db.query<{ event_id: string; lane: string }>(
            'SELECT event_id, lane FROM authsync_deliveries',
          )
        ).map((r) => [r.event_id, r.lane]),
      );
      const seen = new Set<string>();
      const last = new Map<string, string>();
      for (const r of log) {
        if (seen.has(r.id)) continue;
        seen.add(r.id);
        const lane = lanes.get(r.id) ?? '?';
        const before = last.get(lane);
        if (before !== undefined)
          expect(r.id > before, `${lane}: ${r.id} after ${before}`).toBe(true);
        last.set(lane, r.id);
      }
      // Every delivery row ends delivered.
      await waitFor(
        async () =>
          (
            await db.query<{ n: number }>(
              "SELECT COUNT(*) AS n FROM authsync_deliveries WHERE status <> 'delivered'",
            )
          )[0]!.n == 0,
        15_000,
      );
    } finally {
      emu.emulator.stopLive();
      for (const c of children) c.kill('SIGKILL');
      await store.close();
      await rx.close();
      await emu.close();
    }
  }, 120_000);
});
