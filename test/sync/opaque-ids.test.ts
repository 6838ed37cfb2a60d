import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { silentLogger } from '../../src/engine/ports.js';
import type { Provider } from '../../src/engine/provider.js';
import { SyncEngine } from '../../src/engine/sync.js';
import { WorkOSEventsReader } from '../../src/providers/workos/events-reader.js';
import { workosApi } from '../../src/providers/workos/http.js';
import { workos } from '../../src/providers/workos/index.js';
import { idProxy, type IdShape } from '../helpers/id-proxy.js';
import { emulatorChange } from '../helpers/sync-env.js';
import { STORE_KINDS, tempDb } from '../helpers/test-db.js';
import { differencesFromApi } from '../helpers/truth.js';

/** WorkOS's envelope and tables, as a provider whose ids say nothing of stream order. */
const unordered: Provider = { ...workos, orderedIds: false };

/** Events of one object in one millisecond: only their stream order says which came last. */
function sameMillisecondPairs(events: { json: string }[]): number {
  const seen = new Map<string, number>();
  let pairs = 0;
  for (const { json } of events) {
    const e = JSON.parse(json) as { created_at: string; data: { id?: string } };
    const key = `${e.created_at} ${e.data.id}`;
    pairs += seen.get(key) ?? 0;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return pairs;
}

describe('event ids of other shapes, synced end to end', () => {
  const shapes: IdShape[] = ['uuid', 'numeric', 'evt'];
  for (const kind of STORE_KINDS)
    for (const [i, shape] of shapes.entries()) {
      it(`${kind}, ${shape} ids: every event applied once, in stream order, tables equal to the emulator's`, async () => {
        // A clock that can stand still: changes made then share one millisecond.
        let frozenAt: number | null = null;
        const emu = await startEmulator({
          seed: `opaque-${shape}`,
          events: 3000,
          clock: () => frozenAt ?? Date.now(),
        });
        const proxy = await idProxy(emu.url, shape);
        const db = tempDb(kind);
        const store = db.store({ id: 'workos', provider: 'workos', orderedIds: false });
        const events = emu.emulator.world.events;
        try {
          // Twenty users renamed three times in one millisecond: only stream order says which
          // name is the last (their updated_at is the same).
          frozenAt = Date.now();
          const users = (await (
            await fetch(`${emu.url}/user_management/users?limit=20`, {
              headers: { authorization: `Bearer ${emu.apiKey}` },
            })
          ).json()) as { data: { id: string }[] };
          for (const { id } of users.data)
            for (const name of ['First', 'Second', 'Third'])
              await emulatorChange(emu, { op: 'user.update', id, first_name: name });
          frozenAt = null;
          const all = Array.from({ length: events.length }, (_, k) => events.at(k)!);
          expect(sameMillisecondPairs(all)).toBeGreaterThanOrEqual(60);
          await store.migrate();
          const engine = new SyncEngine({
            store,
            events: new WorkOSEventsReader(
              workosApi({ apiUrl: proxy.url, apiKey: emu.apiKey, logger: silentLogger }),
            ),
            provider: unordered,
            importOnFirstRun: false,
            settleMs: 0,
            // Parallel time slices for one run in three, one cursor for the others.
            readParallelism: i === 0 ? 6 : 1,
          });
          const result = await engine.drain();
          expect(result).toMatchObject({ fetched: 3060, applied: 3060, deadLettered: 0 });
          expect(await differencesFromApi(emu, db)).toEqual([]);
          // The inbox has each event once, under its opaque id, applied.
          const inbox = await db.query<{ id: string; status: string }>(
            'SELECT id, status FROM authsync_events',
          );
          expect(inbox.length).toBe(3060);
          expect(new Set(inbox.map((r) => r.id))).toEqual(
            new Set(
              Array.from({ length: events.length }, (_, k) => proxy.toOpaque(events.at(k)!.id)),
            ),
          );
          expect(inbox.every((r) => r.status === 'applied')).toBe(true);
          // Nothing more to read: the cursor (an opaque id) pages on from the last event.
          expect((await engine.drain()).fetched).toBe(0);
        } finally {
          await store.close();
          await proxy.close();
          await emu.close();
        }
      });
    }
});
