import { describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { Random } from '../../src/emulator/random.js';
import { signWorkOSWebhook } from '../../src/emulator/webhooks.js';
import type { Sync } from '../../src/sync.js';
import { emulatorChange, syncFor } from '../helpers/sync-env.js';
import { STORE_KINDS, tempDb } from '../helpers/test-db.js';
import { differencesFromApi } from '../helpers/truth.js';

/**
 * A malformed event from the provider (an unreadable `created_at`, `data` that is not an object,
 * a missing or odd type) must become a dead letter on every path that reads events — the cursor
 * loop, the parallel catch-up (whose sample page may start with it), webhooks held and applied
 * after the grace period, replay — and never stop the sync. Random histories place such events
 * anywhere (first after the cursor with hundreds behind, inside a catch-up, at the head); the
 * test then checks that exactly they are dead letters, in the lane their payload names, and that
 * once they are skipped every other event is applied and the tables equal the emulator's state.
 */
const SECRET = 'whsec_malformed';
const SEEDS = Array.from({ length: Number(process.env.AUTHSYNC_SOAK_SEEDS ?? 3) }, (_, i) => i + 1);
const ENVELOPES: Record<string, unknown>[] = [
  { created_at: 'not a date' },
  { created_at: 1_700_000_000 },
  { created_at: null },
  { created_at: '2026-13-45T99:00:00Z' },
  { data: 'text' },
  { data: null },
  { data: 42 },
  { event: 7 },
  { event: '' },
  { created_at: '', data: [] },
  // Deeper than JSON.stringify can walk (JSON.parse takes it): see `deepData`.
  { deep: true },
];

/** A payload nested 20,000 levels deep (120 kB): readable, but not serializable again. */
const deepData = (org: string | null) =>
  `{${org ? `"organization_id":${JSON.stringify(org)},` : ''}"x":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
const PATHS = ['cursor', 'catch-up', 'webhook-held', 'replay'] as const;

for (const kind of STORE_KINDS)
  describe(`malformed events become dead letters on every path (${kind})`, () => {
    for (const seed of SEEDS)
      it(`seed ${seed}`, async () => {
        const random = new Random(`malformed:${seed}`);
        let now = Date.parse('2026-11-01T00:00:00.000Z');
        const clock = () => now;
        const emu: RunningEmulator = await startEmulator({
          seed,
          events: 200 + random.int(400),
          days: 2,
          historyEndsAtMs: now,
          clock,
        });
        const db = tempDb(kind);
        const open = (readParallelism: number): Sync =>
          syncFor(emu, db, {
            clock,
            settleMs: 1000,
            importOnFirstRun: false,
            readParallelism,
            webhookSecrets: [SECRET],
          });
        const orgs = [...emu.emulator.world.organizations.values()].map((o) => o.id);
        const malformed = new Map<string, string>();
        /** Refused by the webhook route (400): only the API's copy reaches the inbox. */
        const deep = new Set<string>();
        const inject = () => {
          const picked = random.pick(ENVELOPES);
          const org = orgs.length > 0 && random.int(2) === 0 ? random.pick(orgs) : null;
          const envelope = 'deep' in picked ? { data_json: deepData(org) } : picked;
          return emulatorChange(emu, {
            op: 'event.inject',
            type: 'organization_membership.updated',
            data: org ? { organization_id: org } : { user_id: 'user_x' },
            organization_id: org,
            envelope,
          }).then((r: { id: string }) => {
            // The lane its payload names when the payload is readable: its organization, else
            // the user it is about; '' when the payload cannot be read.
            const lane =
              'data_json' in envelope
                ? (org ?? '')
                : 'data' in envelope
                  ? ''
                  : (org ?? 'user:user_x');
            malformed.set(r.id, lane);
            if ('data_json' in envelope) deep.add(r.id);
          });
        };
        const steps: string[] = [];
        let sync = open(1);
        try {
          for (let round = 0; round < 4; round++) {
            const path = random.pick(PATHS);
            steps.push(path);
            // Malformed events first after the cursor, then a backlog behind them, some
            // malformed ones inside it, and a few at the head.
            for (let i = 1 + random.int(2); i > 0; i--) await inject();
            now += 1000;
            const behind = 100 + random.int(500);
            for (let i = 0; i < 4; i++) {
              emu.emulator.generateNow(Math.ceil(behind / 4));
              if (random.int(3) === 0) await inject();
              now += path === 'catch-up' ? 8 * 60_000 : 2000;
            }
            now += 60_000;
            await sync.close();
            sync = open(path === 'catch-up' ? 12 : 1);
            if (path === 'webhook-held') {
              // Every new event arrives signed by webhook and is applied from the inbox (the
              // API not consulted) once the grace period is over.
              const events = emu.emulator.world.events;
              for (let i = events.length - 1; i >= 0 && i >= events.length - behind - 8; i--) {
                const stored = events.at(i)!;
                const signature = signWorkOSWebhook(stored.json, SECRET, now);
                const outcome = await sync.receiveWebhook(
                  new TextEncoder().encode(stored.json),
                  (name) => (name === 'workos-signature' ? signature : undefined),
                );
                expect(outcome.status, stored.id).toBe(deep.has(stored.id) ? 400 : 200);
              }
              now += 10 * 60_000;
              await sync.applyOverdueWebhookEvents();
            }
            await sync.runOnce();
            if (path === 'replay') await sync.replay(new Date(now - 3600_000).toISOString());
          }
          now += 60_000;
          await sync.runOnce();
          const context = `${kind} seed ${seed}: ${steps.join(' ')}`;

          // Each malformed event is a dead letter in the lane its payload names, or waits
          // behind one in that lane; nothing else is.
          const letters = await db.query<{ event_id: string; lane: string }>(
            'SELECT event_id, lane FROM authsync_dead_letters',
          );
          const parked = await db.query<{ id: string; lane: string; status: string }>(
            "SELECT id, lane, status FROM authsync_events WHERE status IN ('dead', 'pending')",
          );
          for (const l of letters)
            expect(malformed.get(l.event_id), `${context}: dead letter ${l.event_id}`).toBe(l.lane);
          const blockedLanes = new Set(letters.map((l) => l.lane));
          for (const [id, lane] of malformed) {
            const row = parked.find((p) => p.id === id);
            expect(row, `${context}: ${id} parked`).toBeDefined();
            expect(row!.lane, `${context}: ${id}`).toBe(lane);
            expect(blockedLanes.has(lane), `${context}: lane ${lane} blocked`).toBe(true);
          }
          for (const p of parked)
            if (!malformed.has(p.id))
              expect(blockedLanes.has(p.lane), `${context}: ${p.id} waits`).toBe(true);

          // Skipped, they let every lane go on: every other event applied, tables equal.
          for (let round = 0; round < malformed.size; round++) {
            const left = await db.query<{ event_id: string }>(
              'SELECT event_id FROM authsync_dead_letters',
            );
            if (left.length === 0) break;
            for (const { event_id } of left) await sync.engine.skipDeadLetter(event_id);
          }
          await sync.runOnce();
          const inbox = await db.query<{ id: string; status: string }>(
            'SELECT id, status FROM authsync_events',
          );
          const status = new Map(inbox.map((r) => [r.id, r.status]));
          const events = emu.emulator.world.events;
          expect(status.size, context).toBe(events.length);
          for (let i = 0; i < events.length; i++) {
            const id = (JSON.parse(events.at(i)!.json) as { id: string }).id;
            expect(status.get(id), `${context}: ${id}`).toBe(
              malformed.has(id) ? 'skipped' : 'applied',
            );
          }
          expect(await differencesFromApi(emu, db), context).toEqual([]);
        } finally {
          await sync.close();
          await emu.close();
        }
      }, 60_000);
  });
