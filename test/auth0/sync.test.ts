import { describe, expect, it } from 'vitest';
import { startAuth0Emulator } from '../../src/emulator/auth0/server.js';
import { auth0Differences, auth0SyncFor } from '../helpers/auth0-truth.js';
import { STORE_KINDS, tempDb } from '../helpers/test-db.js';

for (const kind of STORE_KINDS)
  describe(`an Auth0 tenant into ${kind}`, () => {
    it('from the logs alone (Management API writes): every table equals the tenant, every log once in the inbox', async () => {
      const emu = await startAuth0Emulator({
        seed: `logs-${kind}`,
        changes: 1500,
        hours: 6,
        apiOnly: true,
      });
      const db = tempDb(kind);
      const sync = auth0SyncFor(emu, db, { importOnFirstRun: false, settleMs: 0 });
      try {
        const result = await sync.runOnce();
        const logs = [...emu.emulator.tenant.logs.indexed];
        expect(result).toMatchObject({ applied: logs.length, deadLettered: 0 });
        // Read in time slices side by side: a log on a slice's edge comes twice.
        expect(result.fetched - result.duplicates).toBe(logs.length);
        expect(await auth0Differences(emu, db)).toEqual([]);
        const inbox = await db.query<{ id: string; status: string }>(
          'SELECT id, status FROM authsync_events ORDER BY id',
        );
        expect(inbox.map((e) => e.id)).toEqual(logs.map((l) => l.log_id));
        expect(new Set(inbox.map((e) => e.status))).toEqual(new Set(['applied']));
        const [count] = await db.query<{ n: number }>('SELECT count(*) AS n FROM auth0_logs');
        expect(Number(count!.n)).toBe(logs.length);
        // More changes; a second run reads on from the checkpoint.
        emu.emulator.generateNow(300);
        const more = await sync.runOnce();
        expect(more.duplicates).toBe(0);
        expect(more.applied).toBe(emu.emulator.tenant.logs.indexed.length - logs.length);
        expect(await auth0Differences(emu, db)).toEqual([]);
        expect((await sync.runOnce()).applied).toBe(0);
      } finally {
        await sync.close();
        await emu.close();
      }
    });

    it('first import, then logs from before it began, then reconciliation for what no log shows whole; a second reconcile repairs nothing', async () => {
      const emu = await startAuth0Emulator({ seed: `import-${kind}`, changes: 1200, hours: 6 });
      const db = tempDb(kind);
      // Minutes pass before the reconciliation: rows last written before it began are its to prune.
      let later = 0;
      const sync = auth0SyncFor(emu, db, { settleMs: 0, clock: () => Date.now() + later });
      try {
        const first = await sync.runOnce();
        expect(first.imported).toBeGreaterThan(0);
        expect(await auth0Differences(emu, db)).toEqual([]);
        // Changes of every kind: signups, logins, SCIM and imports write no sapi log.
        emu.emulator.generateNow(600);
        await sync.runOnce();
        later = 3 * 60_000;
        const report = await sync.reconcile();
        expect(report.totals.missing + report.totals.stale).toBeGreaterThan(0);
        expect(await auth0Differences(emu, db)).toEqual([]);
        // The inbox: from the first log read (before the import began) every log, once.
        const inbox = (
          await db.query<{ id: string }>('SELECT id FROM authsync_events ORDER BY id')
        ).map((e) => e.id);
        const all = emu.emulator.tenant.logs.indexed.map((l) => l.log_id);
        expect(inbox.length).toBeGreaterThan(600);
        expect(inbox).toEqual(all.filter((id) => id >= inbox[0]!));
        const again = await sync.reconcile();
        expect(again.totals).toEqual({ missing: 0, stale: 0, deleted: 0 });
      } finally {
        await sync.close();
        await emu.close();
      }
    });
  });

describe('AUTH0_LOG_TYPES', () => {
  it('keeps only those types in auth0_logs; every log still applies its changes and is in the inbox', async () => {
    const emu = await startAuth0Emulator({ seed: 'log-types', changes: 300, apiOnly: true });
    const db = tempDb('sqlite');
    const sync = auth0SyncFor(emu, db, {
      importOnFirstRun: false,
      settleMs: 0,
      env: { AUTH0_LOG_TYPES: 'ss' },
    });
    try {
      await sync.runOnce();
      const logs = emu.emulator.tenant.logs.indexed;
      const kept = await db.query<{ type: string }>('SELECT type FROM auth0_logs');
      expect(kept.length).toBe(logs.filter((l) => l.type === 'ss').length);
      expect(kept.length).toBeGreaterThan(10);
      expect(new Set(kept.map((k) => k.type))).toEqual(new Set(['ss']));
      const [inbox] = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM authsync_events');
      expect(Number(inbox!.n)).toBe(logs.length);
      expect(await auth0Differences(emu, db)).toEqual([]);
      expect(() =>
        auth0SyncFor(emu, tempDb('sqlite'), { env: { AUTH0_LOG_TYPES: 'sapi,"x"' } }),
      ).toThrow(/AUTH0_LOG_TYPES/);
    } finally {
      await sync.close();
      await emu.close();
    }
  });
});

describe('Auth0 changes within one millisecond', () => {
  for (const kind of STORE_KINDS)
    it(`${kind}: a tenant whose clock stands still (every change in one millisecond): the logs' order decides every tie, and the tables equal the tenant`, async () => {
      const now = Date.now();
      const emu = await startAuth0Emulator({
        seed: `one-ms-${kind}`,
        apiOnly: true,
        clock: () => now,
      });
      const db = tempDb(kind);
      const sync = auth0SyncFor(emu, db, { importOnFirstRun: false, settleMs: 0 });
      try {
        // Members removed and added again, roles given and taken, all at one time.
        emu.emulator.generateNow(1500);
        const logs = [...emu.emulator.tenant.logs.visible(now)];
        expect(logs.length).toBeGreaterThan(1500);
        expect(new Set(logs.map((l) => l.date)).size).toBe(1);
        const result = await sync.runOnce();
        expect(result.applied).toBe(logs.length);
        expect(await auth0Differences(emu, db)).toEqual([]);
      } finally {
        await sync.close();
        await emu.close();
      }
    });
});

describe('a tenant past the 1,000 users a list can page', () => {
  it('is imported through the export job (a gzip NDJSON file read a page at a time): every table equals the tenant', async () => {
    const emu = await startAuth0Emulator({ seed: 'export', changes: 200 });
    emu.emulator.tenant.importUsers(
      Array.from({ length: 1250 }, (_, i) => ({
        email: `bulk${i}@example.com`,
        name: `Bulk ${i}`,
      })),
    );
    const db = tempDb('sqlite');
    const sync = auth0SyncFor(emu, db, { settleMs: 0 });
    try {
      const first = await sync.runOnce();
      expect(emu.emulator.tenant.users.size).toBeGreaterThan(1250);
      expect(first.imported).toBeGreaterThan(emu.emulator.tenant.users.size);
      expect(await auth0Differences(emu, db)).toEqual([]);
    } finally {
      await sync.close();
      await emu.close();
    }
  });
});
