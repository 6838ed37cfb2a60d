import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Emulator } from '../../src/emulator/index.js';
import { createSync } from '../../src/index.js';
import { openSqlite, type SqliteDriver } from '../../src/stores/sqlite/driver.js';
import { SQLITE_SCHEMA } from '../../src/schema/index.js';
import { WORKOS_SOURCE } from '../helpers/sources.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { drainEmulator } from '../helpers/drain.js';
import { copyRows, loadRelease, productTablesOf, release } from '../helpers/releases.js';
import { dumpTables } from '../helpers/sync-env.js';
import { asTestDb } from '../helpers/test-db.js';

/** A database as the previous release left it: every migration but the newest. */
function previousRelease(path: string): void {
  const db = openSqlite(path);
  db.exec(
    'CREATE TABLE authsync_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  const newest = Math.max(...SQLITE_SCHEMA.migrations.map((m) => m.version));
  for (const m of SQLITE_SCHEMA.migrations.filter((m) => m.version < newest)) {
    db.exec(m.sql);
    db.prepare('INSERT INTO authsync_migrations VALUES (?, ?, ?)').run(m.version, m.name, 'then');
  }
  db.close();
}

const tableSql = (db: SqliteDriver) =>
  Object.fromEntries(
    (
      db
        .prepare(
          "SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name LIKE 'workos_%'",
        )
        .all() as { name: string; sql: string }[]
    ).map((r) => [r.name, r.sql]),
  );
const indexNames = (db: SqliteDriver) =>
  (
    db
      .prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'index' AND name LIKE 'workos_%' ORDER BY name",
      )
      .all() as { name: string }[]
  ).map((r) => r.name);

describe('SQLite: upgrading a database of the previous release (migration 6)', () => {
  it('rebuilds the tables that hold objects as rowid tables, keeping every row and index, and syncs on as a fresh database would', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authsync-upgrade-'));
    const emulator = new Emulator({ seed: 'upgrade', events: 3000 });
    // Rows written by the release itself (its database at migration 5, test/fixtures/schemas).
    const oldDb = asTestDb(join(dir, 'old.db'));
    await loadRelease(oldDb, release('sqlite', 5));
    const old = new SqliteStore(join(dir, 'old.db'), {
      storeSchema: SQLITE_SCHEMA,
      source: WORKOS_SOURCE,
    });
    const before = { tables: tableSql(old.driver), indexes: indexNames(old.driver) };
    const had = await productTablesOf(oldDb);
    const rowsBefore = await dumpTables(oldDb, had);
    expect(before.tables.workos_users).toMatch(/WITHOUT ROWID/);
    const memberships = old.driver
      .prepare('SELECT COUNT(*) AS n FROM workos_organization_memberships')
      .get() as { n: number };
    expect(memberships.n).toBeGreaterThan(50);

    const upgrades: number[] = [];
    await old.migrate((m) => upgrades.push(m.version));
    // Migration 6, and each one after it (7: sources and engine order; 8: Auth0's tables; ...).
    const fromSix = SQLITE_SCHEMA.migrations.map((m) => m.version).filter((v) => v >= 6);
    expect(upgrades).toEqual(fromSix);
    const after = tableSql(old.driver);
    for (const [name, sql] of Object.entries(after)) {
      // Tables whose rows hold JSON objects lose WITHOUT ROWID; the small link table keeps it.
      if (name === 'workos_directory_group_members') expect(sql).toMatch(/WITHOUT ROWID/);
      else expect(sql, name).not.toMatch(/WITHOUT ROWID/);
    }
    expect(Object.keys(after).sort()).toEqual(Object.keys(before.tables).sort());
    // Every index kept; the later migrations' own added (11: what applications look rows up by).
    const now = indexNames(old.driver);
    expect(before.indexes.filter((name) => !now.includes(name))).toEqual([]);
    expect(now.filter((name) => !before.indexes.includes(name)).sort()).toEqual([
      'workos_directory_users_email',
      'workos_organization_domains_domain',
      'workos_organizations_external_id',
      'workos_users_email',
      'workos_users_external_id',
    ]);
    expect(await dumpTables(oldDb, had)).toBe(rowsBefore);

    // More history, applied to the upgraded database and to a new one given the same rows.
    const fresh = new SqliteStore(join(dir, 'fresh.db'), {
      storeSchema: SQLITE_SCHEMA,
      source: WORKOS_SOURCE,
    });
    // A new database is created, not upgraded: nothing to announce.
    await fresh.migrate(() => upgrades.push(-1));
    expect(upgrades).toEqual(fromSix);
    await copyRows(oldDb, asTestDb(join(dir, 'fresh.db')));
    expect(await drainEmulator(old, emulator, 0)).toBe(3000);
    expect(await drainEmulator(fresh, emulator, 0)).toBe(3000);
    expect(tableSql(fresh.driver)).toEqual(tableSql(old.driver));
    expect(await dumpTables(join(dir, 'old.db'))).toBe(await dumpTables(join(dir, 'fresh.db')));
    await old.close();
    await fresh.close();
    emulator.close();
  });

  it('tells the log when an upgrade starts and when it is done; a new database is created silently', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authsync-upgrade-'));
    previousRelease(join(dir, 'old.db'));
    const lines: [string, Record<string, unknown> | undefined][] = [];
    const logger = {
      info: (message: string, fields?: Record<string, unknown>) => lines.push([message, fields]),
      warn() {},
      error() {},
    };
    for (const file of ['old.db', 'new.db']) {
      const sync = createSync({
        apiUrl: 'http://127.0.0.1:9',
        apiKey: 'sk_test_unused',
        databaseUrl: join(dir, file),
        env: {},
        logger,
      });
      await sync.migrate();
      await sync.close();
    }
    expect(lines.map(([message]) => message)).toEqual([
      expect.stringMatching(/^upgrading the database: a migration is running/),
      'database upgraded',
    ]);
    const newest = SQLITE_SCHEMA.migrations[SQLITE_SCHEMA.migrations.length - 1]!;
    expect(lines[0]![1]).toEqual({ migration: newest.version, name: newest.name });
    expect(lines[1]![1]).toEqual({ migrations: [newest.version], seconds: expect.any(Number) });
  });
});
