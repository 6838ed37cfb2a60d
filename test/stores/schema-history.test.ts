import { describe, expect, it } from 'vitest';
import { Emulator } from '../../src/emulator/index.js';
import { CATALOG, POSTGRES_SCHEMA, SQLITE_SCHEMA } from '../../src/schema/index.js';
import { drainEmulator } from '../helpers/drain.js';
import {
  declaredShape,
  ENGINE_TABLES,
  postgresShape,
  postgresTables,
  sqliteShape,
  sqliteTables,
} from '../helpers/schema.js';
import { copyRows, loadRelease, productTablesOf, releases } from '../helpers/releases.js';
import { dumpTables } from '../helpers/sync-env.js';
import { tempDb, type TestDb } from '../helpers/test-db.js';

const shapeOf = (db: TestDb, tables?: string[]) =>
  db.kind === 'sqlite'
    ? sqliteShape((t) => db.query(t), tables)
    : postgresShape((t) => db.query(t), db.schema!, tables);
const tablesOf = (db: TestDb) =>
  db.kind === 'sqlite'
    ? sqliteTables((t) => db.query(t))
    : postgresTables((t) => db.query(t), db.schema!);

/** What a fresh database holds, checked against the catalog: exactly its tables, no more. */
async function expectCatalog(db: TestDb): Promise<void> {
  expect(await shapeOf(db)).toEqual(declaredShape(db.kind));
  expect(await tablesOf(db)).toEqual([...CATALOG.names(), ...ENGINE_TABLES].sort());
}

describe('the schema history', () => {
  for (const kind of ['sqlite', 'postgres'] as const) {
    it(`${kind}: a fresh database has exactly the tables, columns, types and indexes the catalog declares`, async () => {
      const db = tempDb(kind);
      const store = db.store();
      try {
        await store.migrate();
        await expectCatalog(db);
      } finally {
        await store.close();
      }
    });
  }

  it('has a fixture of every earlier release, on both dialects', () => {
    const newest = (kind: string) =>
      Math.max(
        ...(kind === 'sqlite' ? SQLITE_SCHEMA : POSTGRES_SCHEMA).migrations.map((m) => m.version),
      );
    for (const kind of ['sqlite', 'postgres'] as const) {
      const versions = releases
        .filter((r) => r.kind === kind)
        .map((r) => r.version)
        .sort((a, b) => a - b);
      // Every release before the newest migration (a new migration adds its predecessor here).
      expect(versions, kind).toEqual(Array.from({ length: newest(kind) - 1 }, (_, i) => i + 1));
    }
  });

  for (const release of releases) {
    it(`${release.kind}: a database of the release whose newest migration was ${release.version} upgrades to the catalog, keeps its rows and syncs on as a fresh one`, async () => {
      const old = tempDb(release.kind);
      await loadRelease(old, release);
      // The product tables that release had (later ones are added empty by the upgrade).
      const had = await productTablesOf(old);
      const rowsBefore = await dumpTables(old, had);
      expect(rowsBefore).toMatch(/workos_users\n\[\{/);
      // The release's one cursor, and when its first import ended.
      const [cursorBefore] = await old.query<{ after_id: string; range_start: string | null }>(
        'SELECT after_id, range_start FROM authsync_cursor',
      );
      const [importedBefore] = await old.query<{ value: string }>(
        "SELECT value FROM authsync_state WHERE key IN ('imported_at', 'workos/imported_at')",
      );
      expect(cursorBefore!.after_id ?? cursorBefore!.range_start).toBeTruthy();
      const store = old.store();
      const fresh = tempDb(release.kind);
      const freshStore = fresh.store();
      const emulator = new Emulator({ seed: `upgrade-${release.file}`, events: 600 });
      try {
        const upgrades: number[] = [];
        await store.migrate((m) => upgrades.push(m.version));
        const all = (release.kind === 'sqlite' ? SQLITE_SCHEMA : POSTGRES_SCHEMA).migrations;
        expect(upgrades).toEqual(all.map((m) => m.version).filter((v) => v > release.version));
        expect(await dumpTables(old, had)).toBe(rowsBefore);
        await expectCatalog(old);
        // The cursor and the state are kept, now as the source 'workos''s.
        expect(await store.readCursor()).toEqual({
          after: cursorBefore!.after_id,
          rangeStart: cursorBefore!.range_start,
        });
        expect(await store.getState('imported_at')).toBe(importedBefore!.value);

        // The engine's tables as a fresh database has them, and the same behaviour: a fresh
        // database given the same rows ends equal after the same events.
        await freshStore.migrate();
        expect(await shapeOf(old, ENGINE_TABLES)).toEqual(await shapeOf(fresh, ENGINE_TABLES));
        await copyRows(old, fresh);
        expect(await drainEmulator(store, emulator, 0)).toBe(600);
        expect(await drainEmulator(freshStore, emulator, 0)).toBe(600);
        expect(await dumpTables(old)).toBe(await dumpTables(fresh));
      } finally {
        await store.close();
        await freshStore.close();
        emulator.close();
      }
    });
  }
});
