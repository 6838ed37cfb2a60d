import { describe, expect, it } from 'vitest';
import { startAuth0Emulator } from '../../src/emulator/auth0/server.js';
import { Random } from '../../src/emulator/random.js';
import { auth0Differences, heldEventStream, auth0SyncFor } from '../helpers/auth0-truth.js';
import { waitFor } from '../helpers/serve-env.js';
import { STORE_KINDS, tempDb } from '../helpers/test-db.js';

/** 2 seeds per store in CI; `AUTHSYNC_SOAK_SEEDS=50` for a longer soak. */
const SEEDS = Array.from({ length: Number(process.env.AUTHSYNC_SOAK_SEEDS ?? 2) }, (_, i) => i + 1);
const TOKEN = 'model-stream-token';

for (const kind of STORE_KINDS)
  describe(`random Auth0 histories (${kind})`, () => {
    for (const seed of SEEDS)
      it(`seed ${seed}: late logs, duplicated and reordered Event Streams, 5xx, resets and expiring tokens; reconciled, the tables and the inbox equal the tenant`, async () => {
        const random = new Random(`auth0-model-${seed}`);
        const emu = await startAuth0Emulator({
          seed: `model-${seed}`,
          changes: 300 + random.int(500),
          hours: 2,
          indexingDelayMs: 20,
          indexingJitterMs: 400,
          faults: { errorRate: 0.05, resetRate: 0.02 },
          // Half the runs: the users and members lists lag the tenant (eventual consistency).
          searchLagMs: random.chance(0.5) ? 300 : 0,
        });
        const db = tempDb(kind);
        const sync = auth0SyncFor(emu, db, {
          settleMs: 1000,
          importOnFirstRun: random.chance(0.5),
          auth0: {
            maxAttempts: 40,
            eventStream: { header: 'authorization', value: `Bearer ${TOKEN}` },
          },
        });
        // The Event Stream's deliveries, held here and handed over duplicated and out of order.
        const { pending } = heldEventStream(emu, `${seed}`);
        const deliver = async (n: number) => {
          for (let i = 0; i < n && pending.length > 0; i++) {
            const [event] = pending.splice(random.int(pending.length), 1);
            const body = new TextEncoder().encode(JSON.stringify(event));
            for (let copies = random.chance(0.2) ? 2 : 1; copies > 0; copies--) {
              const outcome = await sync.receiveWebhook(body, () => `Bearer ${TOKEN}`);
              expect(outcome.status).toBe(200);
            }
          }
        };
        try {
          for (let round = 0; round < 6; round++) {
            for (let i = 0, n = random.int(120); i < n; i++) {
              emu.emulator.generateNow(1);
              if (random.chance(0.3)) await new Promise((r) => setTimeout(r, 2));
            }
            if (random.chance(0.3)) emu.emulator.tokens.expireAll();
            await deliver(random.int(pending.length + 1));
            await sync.runOnce();
          }
          await deliver(pending.length);
          // Every log visible, read past the settle window; stored deliveries applied (at once
          // beside the caller where it reads, else by the reader's next drain).
          await new Promise((r) => setTimeout(r, 1500));
          await sync.runOnce();
          await waitFor(
            async () =>
              (await db.query("SELECT id FROM authsync_events WHERE status = 'held'")).length === 0,
            10_000,
          );
          await sync.reconcile();
          expect(await auth0Differences(emu, db)).toEqual([]);
          const inbox = (
            await db.query<{ id: string; status: string }>(
              "SELECT id, status FROM authsync_events WHERE id NOT LIKE 'evt_%' ORDER BY id",
            )
          ).map((e) => e.id);
          const logs = emu.emulator.tenant.logs.indexed.map((l) => l.log_id);
          expect(inbox).toEqual(logs.filter((id) => id >= inbox[0]!));
          const statuses = await db.query<{ status: string; n: number }>(
            'SELECT status, COUNT(*) AS n FROM authsync_events GROUP BY status',
          );
          expect(statuses.map((s) => s.status)).toEqual(['applied']);
          const streamed = await db.query<{ n: number }>(
            "SELECT COUNT(*) AS n FROM authsync_events WHERE id LIKE 'evt_%'",
          );
          expect(Number(streamed[0]!.n)).toBeGreaterThan(0);
        } finally {
          await sync.close();
          await emu.close();
        }
      }, 60_000);
  });
