import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { groupByLane } from '../helpers/app-endpoint.js';
import { waitFor } from '../helpers/serve-env.js';
import { syncFor } from '../helpers/sync-env.js';
import { STORE_KINDS, tempDb } from '../helpers/test-db.js';

type Synced = ReturnType<typeof syncFor>;
const lanesOf = async (sync: Synced) =>
  new Map((await sync.store.deliveries().list({ limit: 100_000 })).map((d) => [d.eventId, d.lane]));

describe('handlers (`sync.on`) are destinations of their own', () => {
  for (const kind of STORE_KINDS)
    it(`a handler failing for one organization holds only that organization's lane of its own deliveries; every other handler and lane goes on (${kind})`, async () => {
      const emu = await startEmulator({ seed: 81, events: 300 });
      const seen: string[] = [];
      const failed: string[] = [];
      let poisonLane: string | null = null;
      const laneOf = (e: { data?: { organization_id?: string; id?: string } }, type: string) =>
        type.startsWith('organization.') ? e.data?.id : e.data?.organization_id;
      const sync = syncFor(emu, tempDb(kind), { settleMs: 0, importOnFirstRun: false })
        .on('*', (e) => void seen.push(e.id))
        .on(
          '*',
          (e, meta) => {
            const lane = laneOf(e as never, meta.type);
            poisonLane ??= lane ?? null;
            if (lane === poisonLane) {
              failed.push(meta.id);
              throw new Error(`cannot handle ${meta.id}`);
            }
          },
          { name: 'picky', schedule: ['50ms', '50ms'] },
        );
      try {
        await sync.runOnce();
        // Its schedule used up: tried again twice, each time a later pass.
        for (let i = 0; i < 3; i++) {
          await new Promise((r) => setTimeout(r, 80));
          await sync.runOnce();
        }
        const all = Array.from({ length: emu.emulator.world.events.length }, (_, i) =>
          emu.emulator.world.events.at(i),
        ).map((e) => e!.id);
        // The first handler had every event, in stream order within each organization.
        const lanes = await lanesOf(sync);
        expect(new Set(seen)).toEqual(new Set(all));
        expect(groupByLane(seen, lanes)).toEqual(groupByLane(all, lanes));

        const picky = await sync.store.deliveries().list({ destination: 'picky', limit: 1000 });
        const failedFor = picky.filter((d) => d.status === 'failed');
        expect(failedFor).toHaveLength(1);
        expect(failedFor[0]).toMatchObject({ attempts: 3, lane: poisonLane });
        expect(new Set(failed)).toEqual(new Set([failedFor[0]!.eventId]));
        // Its lane waits behind it; every other lane was delivered.
        const held = picky.filter((d) => d.status === 'pending');
        expect(held.every((d) => d.lane === poisonLane)).toBe(true);
        expect(picky.filter((d) => d.status === 'delivered').length).toBe(
          all.length - 1 - held.length,
        );
        const [attempt] = (await sync.store.deliveries().get(failedFor[0]!.id))!.attempts;
        expect(attempt).toMatchObject({
          statusCode: null,
          error: expect.stringMatching(/^cannot/),
        });

        // Named by type, numbered in order; the status lists them with their backlog.
        const names = (await sync.destinations()).map((d) => d.name);
        expect(names).toEqual(['on_all', 'picky']);
        const status = (await sync.destinations()).find((d) => d.name === 'picky')!;
        expect(status).toMatchObject({ failed: 1, pending: held.length });
      } finally {
        await sync.close();
        await emu.close();
      }
    });

  it('names: after the type, numbered when a type has several; bad options and a name taken twice are refused', async () => {
    const sync = syncFor({ url: 'http://127.0.0.1:1', apiKey: 'sk_test_x' } as never, tempDb());
    try {
      sync.on('user.created', () => {}).on('user.created', () => {});
      sync.on('dsync.*', () => {});
      expect(() => sync.on('user.deleted', () => {}, { name: 'on_user_created' })).toThrow(
        /on_user_created is taken/,
      );
      expect(() => sync.on('user.deleted', () => {}, { schedule: ['soon'] })).toThrow(
        /schedule: "soon" is not a duration/,
      );
      expect(() => sync.on('user.deleted', () => {}, { timeoutMs: 1 })).toThrow(/timeoutMs/);
      await sync.migrate();
      expect((await sync.destinations()).map((d) => d.name)).toEqual([
        'on_user_created',
        'on_user_created_2',
        'on_dsync_any',
      ]);
    } finally {
      await sync.close();
    }
  });

  it('a handler registered while the sync runs is delivered to from then on', async () => {
    const emu = await startEmulator({ seed: 82, events: 50 });
    const sync = syncFor(emu, tempDb(), { settleMs: 0, pollIntervalMs: 50 });
    const controller = new AbortController();
    const running = sync.run(controller.signal);
    try {
      await waitFor(() => sync.lastReadOkAtMs !== null, 10_000);
      const seen = new Set<string>();
      sync.on('*', (e) => void seen.add(e.id));
      emu.emulator.generateNow(20);
      const fresh = Array.from({ length: 20 }, (_, i) =>
        emu.emulator.world.events.at(emu.emulator.world.events.length - 20 + i),
      ).map((e) => e!.id);
      await waitFor(
        () => fresh.every((id) => seen.has(id)),
        10_000,
        () => seen.size,
      );
    } finally {
      controller.abort();
      await running;
      await sync.close();
      await emu.close();
    }
  });
});
