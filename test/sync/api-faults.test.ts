import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { syncFor } from '../helpers/sync-env.js';
import { STORE_KINDS, tempDb } from '../helpers/test-db.js';
import { differencesFromApi } from '../helpers/truth.js';

for (const kind of STORE_KINDS)
  describe(`sync when the API misbehaves (${kind})`, () => {
    it('retries 5xx, resets, truncated bodies and 429s; nothing is skipped', async () => {
      const emu = await startEmulator({ seed: 21, events: 3000 });
      const path = tempDb(kind);
      const sync = syncFor(emu, path, { importOnFirstRun: false, settleMs: 0, maxAttempts: 50 });
      try {
        emu.emulator.faults.update({
          errorRate: 0.15,
          resetRate: 0.05,
          truncateRate: 0.05,
          rateLimit: { requests: 40, windowMs: 1000 },
        });
        const result = await sync.runOnce();
        expect(result.fetched).toBe(3000);
        emu.emulator.faults.update({
          errorRate: 0,
          resetRate: 0,
          truncateRate: 0,
          rateLimit: null,
        });
        expect(await differencesFromApi(emu, path)).toEqual([]);
        const status = await sync.store.status();
        expect(status.inbox.applied).toBe(3000);
      } finally {
        await sync.close();
        await emu.close();
      }
    }, 120_000);

    it('waits as Retry-After says on 429', async () => {
      const emu = await startEmulator({ seed: 22, events: 250 });
      const sync = syncFor(emu, tempDb(kind), { importOnFirstRun: false, settleMs: 0 });
      try {
        emu.emulator.faults.update({ rateLimit: { requests: 2, windowMs: 1500 } });
        const started = performance.now();
        const result = await sync.runOnce();
        expect(result.fetched).toBe(250);
        // Three pages, two allowed per 1.5 s window: the third waited for Retry-After (whole seconds).
        expect(performance.now() - started).toBeGreaterThanOrEqual(900);
      } finally {
        await sync.close();
        await emu.close();
      }
    });

    it('stops at once on 401 with a message naming WORKOS_API_KEY, and records it for status', async () => {
      const emu = await startEmulator({ seed: 23, events: 10 });
      const sync = syncFor(emu, tempDb(kind), { apiKey: 'sk_test_wrong', importOnFirstRun: false });
      try {
        await expect(sync.runOnce()).rejects.toThrow(/WORKOS_API_KEY was rejected .*\(401\)/);
        const status = await sync.store.status();
        expect(status.state.last_error).toMatch(/WORKOS_API_KEY/);
        expect(status.cursor).toEqual({ after: null, rangeStart: null });
      } finally {
        await sync.close();
        await emu.close();
      }
    });

    it('gives up after maxAttempts without moving the cursor past unapplied events', async () => {
      const emu = await startEmulator({ seed: 24, events: 500 });
      const path = tempDb(kind);
      const sync = syncFor(emu, path, { importOnFirstRun: false, settleMs: 0, maxAttempts: 3 });
      try {
        await sync.runOnce();
        emu.emulator.generateNow(300);
        emu.emulator.faults.update({ errorRate: 1 });
        await expect(sync.runOnce()).rejects.toThrow(/failed 3 times/);
        const status = await sync.store.status();
        expect(status.inbox.applied).toBe(500);
        emu.emulator.faults.update({ errorRate: 0 });
        expect((await sync.runOnce()).applied).toBe(300);
        expect(await differencesFromApi(emu, path)).toEqual([]);
      } finally {
        await sync.close();
        await emu.close();
      }
    });
  });
