import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { commitBatch } from '../../src/engine/store.js';
import { ServeMetrics } from '../../src/runtimes/node/metrics.js';
import { createServeApp } from '../../src/runtimes/node/server.js';
import { retentionSettings } from '../../src/config.js';
import { silentLogger } from '../../src/engine/ports.js';
import { syncFor } from '../helpers/sync-env.js';
import { tempDb } from '../helpers/test-db.js';
import { differencesFromApi } from '../helpers/truth.js';

describe('the retention guard', () => {
  it('settings: the provider’s retention unless set, a warning at half of it unless set; nonsense refused', () => {
    expect(retentionSettings({}, 30)).toEqual({ days: 30, warnAfterSeconds: 1_296_000 });
    expect(
      retentionSettings({ AUTHSYNC_RETENTION_DAYS: '10', AUTHSYNC_CURSOR_AGE_WARN_S: '3600' }, 1),
    ).toEqual({ days: 10, warnAfterSeconds: 3600 });
    expect(() => retentionSettings({ AUTHSYNC_RETENTION_DAYS: '0' }, 30)).toThrow(
      /AUTHSYNC_RETENTION_DAYS "0" is not a whole number of days/,
    );
    expect(() => retentionSettings({ AUTHSYNC_CURSOR_AGE_WARN_S: '90000' }, 1)).toThrow(
      /AUTHSYNC_CURSOR_AGE_WARN_S "90000" is not a whole number of seconds from 1 to the retention \(86400\)/,
    );
  });

  it('a cursor that has not reached the head for too long is at risk: status, metrics, readiness and the log say so, until a run catches up', async () => {
    const emu = await startEmulator({ seed: 'retention', events: 300 });
    const db = tempDb('sqlite');
    let later = 0;
    const warnings: string[] = [];
    const sync = syncFor(emu, db, {
      env: { AUTHSYNC_CURSOR_AGE_WARN_S: '3600' },
      settleMs: 0,
      clock: () => Date.now() + later,
      logger: { info() {}, warn: (m) => void warnings.push(m), error() {} },
    });
    const metrics = new ServeMetrics();
    metrics.observe([sync]);
    const app = createServeApp({
      syncs: [sync],
      metrics,
      logger: silentLogger,
      stalledAfterMs: 1e12,
    });
    try {
      await sync.runOnce();
      const fresh = (await sync.status()).retention;
      expect(fresh).toMatchObject({ days: 30, warnAfterSeconds: 3600, atRisk: false });
      expect(fresh.cursorAgeSeconds).toBeLessThan(60);
      expect((await app.request('/readyz')).status).toBe(200);

      // Two hours pass with no run (the process was down).
      later = 2 * 3_600_000;
      const stale = (await sync.status()).retention;
      expect(stale.atRisk).toBe(true);
      expect(stale.cursorAgeSeconds).toBeGreaterThanOrEqual(7200);
      const ready = await app.request('/readyz');
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { problems: string[] }).problems).toEqual([
        expect.stringMatching(
          /^the cursor last reached the head 2\.0 h ago and the provider keeps events 30 days: .*authsync reimport/,
        ),
      ]);
      const text = await (await app.request('/metrics')).text();
      const age = Number(/authsync_cursor_age_seconds\{source_id="workos"\} (\S+)/.exec(text)![1]);
      expect(age).toBeGreaterThanOrEqual(7200);

      // The next run says so in the log, catches up, and the risk is gone.
      await sync.runOnce();
      expect(warnings.filter((w) => w.includes('the cursor last reached the head'))).toHaveLength(
        1,
      );
      expect((await sync.status()).retention.atRisk).toBe(false);
      expect((await app.request('/readyz')).status).toBe(200);
    } finally {
      await sync.close();
      await emu.close();
    }
  });

  it('reimport: after events were lost for good, a fresh import and a reconciliation bring the tables back to the provider’s state, and following goes on', async () => {
    // The provider's clock and the sync's, moved on as the story needs.
    let providerLater = 0;
    let later = 0;
    const emu = await startEmulator({
      seed: 'reimport',
      events: 800,
      clock: () => Date.now() + providerLater,
    });
    const db = tempDb('sqlite');
    const sync = syncFor(emu, db, { settleMs: 0, clock: () => Date.now() + later });
    try {
      await sync.runOnce();
      expect(await differencesFromApi(emu, db)).toEqual([]);
      // 400 events the sync never reads: its cursor jumps past them, as if they had aged out.
      emu.emulator.generateNow(400);
      const { events } = emu.emulator.world;
      await sync.store.commit(
        commitBatch({ cursor: { after: events.at(events.length - 1)!.id, rangeStart: null } }),
      );
      expect((await sync.runOnce()).fetched).toBe(0);
      const lost = await differencesFromApi(emu, db, 1000);
      expect(lost.length).toBeGreaterThan(20);
      expect(lost.some((d) => d.includes('present but gone upstream'))).toBe(true);

      // Ten minutes on: the reimport follows from 5 minutes before it began, after those 400
      // events, which it never reads (they are lost, as aged-out events would be).
      later = 10 * 60_000;
      const result = await sync.reimport();
      expect(result.imported).toBeGreaterThan(300);
      expect(result.reconciled.deleted).toBeGreaterThan(0);
      expect(await differencesFromApi(emu, db)).toEqual([]);
      expect((await sync.status()).importedAt).not.toBeNull();
      // Following goes on from there.
      providerLater = 20 * 60_000;
      emu.emulator.generateNow(100);
      expect((await sync.runOnce()).applied).toBe(100);
      expect(await differencesFromApi(emu, db)).toEqual([]);
    } finally {
      await sync.close();
      await emu.close();
    }
  });
});
