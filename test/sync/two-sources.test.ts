import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { syncFor } from '../helpers/sync-env.js';
import { STORE_KINDS, tempDb } from '../helpers/test-db.js';
import { truthFromApi, truthFromDatabase } from '../helpers/truth.js';

type Truth = Record<string, Map<string, string>>;

/**
 * The rows of two environments in one set of tables: every row of each, except where both
 * have an object with the same key (an environment role's slug), which holds one of the two.
 */
function expectUnion(shared: Truth, a: Truth, b: Truth): string[] {
  const collisions: string[] = [];
  for (const table of Object.keys(a)) {
    const expected = new Map([...a[table]!, ...b[table]!]);
    expect([...shared[table]!.keys()].sort(), table).toEqual([...expected.keys()].sort());
    for (const [key, value] of shared[table]!) {
      const fromA = a[table]!.get(key);
      const fromB = b[table]!.get(key);
      if (fromA !== undefined && fromB !== undefined) {
        collisions.push(`${table} ${key}`);
        expect([fromA, fromB], `${table} ${key}`).toContain(value);
      } else expect(value, `${table} ${key}`).toBe(fromA ?? fromB);
    }
  }
  return collisions;
}

describe('two sources in one database', () => {
  for (const kind of STORE_KINDS) {
    it(`${kind}: each keeps its own cursor, state and reader; neither moves or prunes the other`, async () => {
      const emuA = await startEmulator({ seed: 'source-a', events: 1500 });
      const emuB = await startEmulator({ seed: 'source-b', events: 1200 });
      const db = tempDb(kind);
      const a = syncFor(emuA, db, { settleMs: 0 });
      const b = syncFor(emuB, db, { settleMs: 0, sourceId: 'workos_eu' });
      try {
        expect([a.sourceId, b.sourceId]).toEqual(['workos', 'workos_eu']);
        const firstA = await a.runOnce();
        const firstB = await b.runOnce();
        expect(firstA.imported).toBeGreaterThan(300);
        expect(firstB.imported).toBeGreaterThan(300);

        // Rows: both environments', side by side.
        const truthA = await truthFromApi(emuA.url, emuA.apiKey);
        const truthB = await truthFromApi(emuB.url, emuB.apiKey);
        const collisions = expectUnion(await truthFromDatabase(db), truthA, truthB);
        // Only environment roles share keys (their slug) across environments.
        expect(collisions.every((c) => c.startsWith('workos_roles '))).toBe(true);

        // New events in A only: A's cursor moves, B reads nothing new, and the reverse.
        const statusB = await b.status();
        emuA.emulator.generateNow(300);
        expect((await b.runOnce()).fetched).toBe(0);
        expect((await a.runOnce()).applied).toBe(300);
        expect((await b.status()).cursor).toEqual(statusB.cursor);
        const statusA = await a.status();
        expect(statusA.cursor.after).toBe(
          emuA.emulator.world.events.at(emuA.emulator.world.events.length - 1)!.id,
        );
        expect(statusA.source).toBe('workos');
        expect(statusB.source).toBe('workos_eu');
        expect(statusA.importedAt).not.toBeNull();
        expect(statusB.importedAt).not.toBeNull();
        expect(statusA.importedAt).not.toBe(statusB.importedAt);
        emuB.emulator.generateNow(200);
        expect((await a.runOnce()).fetched).toBe(0);
        expect((await b.runOnce()).applied).toBe(200);
        expect(
          expectUnion(
            await truthFromDatabase(db),
            await truthFromApi(emuA.url, emuA.apiKey),
            await truthFromApi(emuB.url, emuB.apiKey),
          ).every((c) => c.startsWith('workos_roles ')),
        ).toBe(true);

        // Reconciling A repairs, but deletes none of B's rows (they are not in A's listings).
        const report = await a.reconcile();
        expect(report.pruneSkipped).toMatch(/workos_eu/);
        expect(report.totals.deleted).toBe(0);
        expectUnion(
          await truthFromDatabase(db),
          await truthFromApi(emuA.url, emuA.apiKey),
          await truthFromApi(emuB.url, emuB.apiKey),
        );

        if (kind === 'postgres') {
          // A reader each: both hold their source's role at once.
          expect(await a.store.readerLease!().hold()).toBe(true);
          expect(await b.store.readerLease!().hold()).toBe(true);
        }
      } finally {
        await a.close();
        await b.close();
        await emuA.close();
        await emuB.close();
      }
    });
  }
});
