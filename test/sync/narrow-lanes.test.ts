import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { Random } from '../../src/emulator/random.js';
import { emulatorChange, syncFor } from '../helpers/sync-env.js';
import { STORE_KINDS, tempDb } from '../helpers/test-db.js';
import { differencesFromApi } from '../helpers/truth.js';

/**
 * A poison event about one user (or environment role) must hold back only that object's events.
 * Before, events without an organization shared one lane: one poison user event stopped every
 * user, session and environment-role event after it. Random histories poison a few users and a
 * role, then keep changing everything; only the poisoned objects may lag, and once the poison
 * is skipped nothing does.
 */
const SEEDS = Array.from({ length: Number(process.env.AUTHSYNC_SOAK_SEEDS ?? 2) }, (_, i) => i + 1);

for (const kind of STORE_KINDS)
  describe(`lanes as narrow as ordering needs (${kind})`, () => {
    for (const seed of SEEDS)
      it(`seed ${seed}: poison user and role events hold back only their own object`, async () => {
        const random = new Random(`narrow-lanes:${seed}`);
        const emu = await startEmulator({ seed, events: 400 + random.int(400), days: 1 });
        const db = tempDb(kind);
        const sync = syncFor(emu, db, { settleMs: 0 });
        try {
          await sync.runOnce();
          const world = emu.emulator.world;
          const users = [...world.users.values()];
          const poisoned = new Set<string>();
          for (let i = 1 + random.int(3); i > 0; i--) {
            const user = random.pick(users);
            poisoned.add(user.id);
            // No email: the projection cannot apply it.
            await emulatorChange(emu, {
              op: 'event.inject',
              type: 'user.updated',
              data: { object: 'user', id: user.id },
            });
          }
          const role = await emulatorChange(emu, { op: 'role.create', slug: `env-${seed}` });
          poisoned.add(role.id);
          await emulatorChange(emu, {
            op: 'event.inject',
            type: 'role.updated',
            data: { object: 'role', id: role.id },
          });
          // Everything keeps changing, the poisoned objects too.
          for (const user of users.slice(0, 20))
            if (world.users.get(user.id))
              await emulatorChange(emu, { op: 'user.update', id: user.id, first_name: 'Later' });
          emu.emulator.generateNow(300 + random.int(300));
          await sync.runOnce();

          const letters = await db.query<{ lane: string }>(
            'SELECT lane FROM authsync_dead_letters',
          );
          const lanes = new Set(letters.map((l) => l.lane));
          expect(lanes.has(''), 'no poison in a lane shared by every user').toBe(false);
          for (const lane of lanes)
            expect(
              [...poisoned].some((id) => lane.endsWith(`:${id}`)),
              lane,
            ).toBe(true);
          const waiting = await db.query<{ lane: string }>(
            "SELECT lane FROM authsync_events WHERE status = 'pending'",
          );
          for (const w of waiting) expect(lanes.has(w.lane), w.lane).toBe(true);
          // Only rows of poisoned objects may differ from the provider's.
          const differences = await differencesFromApi(emu, db, 10_000);
          for (const d of differences)
            expect(
              [...poisoned].some((id) => d.includes(id)),
              `${d} (poisoned: ${[...poisoned].join(', ')})`,
            ).toBe(true);

          // Skipped, they let their objects catch up: nothing differs.
          for (const { event_id } of await db.query<{ event_id: string }>(
            'SELECT event_id FROM authsync_dead_letters',
          ))
            await sync.engine.skipDeadLetter(event_id);
          await sync.runOnce();
          expect(await differencesFromApi(emu, db)).toEqual([]);
        } finally {
          await sync.close();
          await emu.close();
        }
      }, 60_000);
  });
