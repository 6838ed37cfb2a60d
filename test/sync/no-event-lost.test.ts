import { describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { Random } from '../../src/emulator/random.js';
import { signWorkOSWebhook } from '../../src/emulator/webhooks.js';
import type { Checkpoint } from '../../src/engine/ports.js';
import type { Sync } from '../../src/sync.js';
import { syncFor } from '../helpers/sync-env.js';
import { STORE_KINDS, tempDb, type TestDb } from '../helpers/test-db.js';
import { differencesFromApi } from '../helpers/truth.js';

/**
 * A model test of the promise "no event is lost": random histories in which events become
 * visible up to 4 s late, the reader reads ahead past unsettled events, webhook copies of events
 * far ahead of the cursor are applied from the inbox, processes die at step boundaries and stay
 * down long enough for the parallel catch-up. Afterwards every event the emulator holds must be
 * in the inbox (applied, once) and its effect must have run — tables alone can hide lost events.
 *
 * The clock is pinned and moved by the test (the emulator's and the sync's), so hours of
 * downtime take no time.
 */
const SECRET = 'whsec_model_test';
/** 4 seeds per store in CI (~25 s); `AUTHSYNC_SOAK_SEEDS=200` for a longer soak. */
const SEEDS = Array.from({ length: Number(process.env.AUTHSYNC_SOAK_SEEDS ?? 4) }, (_, i) => i + 1);

class Killed extends Error {}

async function runHistory(seed: number, kind: string, db: TestDb) {
  const random = new Random(`no-event-lost:${seed}`);
  let now = Date.parse('2026-11-01T00:00:00.000Z');
  const clock = () => now;
  const emu: RunningEmulator = await startEmulator({
    seed,
    events: 1500 + random.int(1500),
    days: 20,
    historyEndsAtMs: now,
    settleJitterMs: 4000,
    clock,
  });
  const effects = new Map<string, number>();
  let kill: { at: Checkpoint; n: number } | null = null;
  const open = (): Sync =>
    syncFor(emu, db, {
      clock,
      settleMs: 5000,
      importOnFirstRun: false,
      webhookSecrets: [SECRET],
      checkpoint: (name) => {
        if (kill?.at === name && --kill.n <= 0) {
          kill = null;
          throw new Killed(`killed at ${name}`);
        }
      },
    }).on('*', (e) => void effects.set(e.id, (effects.get(e.id) ?? 0) + 1));
  let sync = open();
  const log: string[] = [];
  const drain = async () => {
    try {
      await sync.runOnce();
    } catch (error) {
      if (!(error instanceof Killed)) throw error;
      // The process died: a new one starts on the same database, knowing nothing.
      await sync.close();
      sync = open();
    }
  };
  try {
    for (let step = 0; step < 30; step++) {
      const action = random.pick([
        'live',
        'live',
        'live',
        'drain',
        'drain',
        'kill',
        'downtime',
        'webhook-ahead',
      ] as const);
      log.push(action);
      if (action === 'live') {
        // A burst, then a little time: some of it not yet visible to the next read.
        emu.emulator.generateNow(1 + random.int(300));
        now += random.int(3000);
        await drain();
      } else if (action === 'drain') {
        now += random.int(6000);
        await drain();
      } else if (action === 'kill') {
        kill = {
          at: random.pick([
            'page-fetched',
            'before-commit',
            'after-commit',
            'handler-ran',
          ] as const),
          n: 1 + random.int(3),
        };
        emu.emulator.generateNow(50 + random.int(250));
        now += random.int(2000);
        await drain();
        kill = null;
      } else if (action === 'downtime') {
        // 16 min to 3 h down while events keep coming: the next drain catches up in slices.
        const downMs = (16 + random.int(170)) * 60_000;
        for (let i = 0; i < 20; i++) {
          now += downMs / 20;
          emu.emulator.generateNow(10 + random.int(60));
        }
        await drain();
      } else {
        // A signed webhook of an event well ahead of the cursor, applied from the inbox once
        // its grace period is over (as during an API outage).
        const events = emu.emulator.world.events;
        const index = events.length - 1 - random.int(Math.min(events.length, 2000));
        const body = events.at(index)!.json;
        const signature = signWorkOSWebhook(body, SECRET, now);
        const outcome = await sync.receiveWebhook(new TextEncoder().encode(body), (name) =>
          name === 'workos-signature' ? signature : undefined,
        );
        expect(outcome.status).toBe(200);
        now += 6 * 60_000;
        await sync.applyOverdueWebhookEvents();
      }
    }
    // Everything visible and settled; two drains reach the head.
    now += 10 * 60_000;
    await sync.runOnce();
    await sync.runOnce();

    const total = emu.emulator.world.events.length;
    const expected = new Set<string>();
    for (let i = 0; i < total; i++)
      expected.add((JSON.parse(emu.emulator.world.events.at(i)!.json) as { id: string }).id);
    const rows = await db.query<{ id: string; status: string }>(
      'SELECT id, status FROM authsync_events',
    );
    const inbox = new Map(rows.map((r) => [r.id, r.status]));
    const missing = [...expected].filter((id) => !inbox.has(id));
    const context = `${kind} seed ${seed}: ${log.join(' ')}`;
    expect(rows.length, context).toBe(inbox.size);
    expect(missing.length, `${context}; missing e.g. ${missing.slice(0, 3)}`).toBe(0);
    expect(inbox.size, context).toBe(expected.size);
    expect(
      rows.filter((r) => r.status !== 'applied'),
      context,
    ).toEqual([]);
    const noEffect = [...expected].filter((id) => !effects.has(id));
    expect(noEffect.length, `${context}; effects never ran for e.g. ${noEffect.slice(0, 3)}`).toBe(
      0,
    );
    expect(await differencesFromApi(emu, db), context).toEqual([]);
    return { total, steps: log };
  } finally {
    await sync.close();
    await emu.close();
  }
}

for (const kind of STORE_KINDS)
  describe(`no event is lost (${kind})`, () => {
    for (const seed of SEEDS)
      it(`seed ${seed}: late visibility, read-ahead, webhooks far ahead, kills and downtime`, async () => {
        const { total } = await runHistory(seed, kind, tempDb(kind));
        expect(total).toBeGreaterThan(1500);
      }, 120_000);
  });
