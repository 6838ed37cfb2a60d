import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { openSqlite } from '../../src/stores/sqlite/driver.js';
import { cliEnv, syncFor, tempDbPath } from '../helpers/sync-env.js';
import { diffTruths, truthFromApi, truthFromDatabase } from '../helpers/truth.js';

const run = promisify(execFile);
const CLI = join(resolve(import.meta.dirname, '../..'), 'dist/cli.js');

/** Damages a synced database on purpose; returns what it did, per table and kind. */
function damage(path: string) {
  const db = openSqlite(path);
  const ids = (table: string, n: number, offset = 0) =>
    (
      db.prepare(`SELECT id FROM ${table} ORDER BY id LIMIT ? OFFSET ?`).all(n, offset) as {
        id: string;
      }[]
    ).map((r) => r.id);
  // Rows missed: deleted here without a tombstone, as a lost event would leave them.
  for (const id of ids('workos_users', 3))
    db.prepare('DELETE FROM workos_users WHERE id = ?').run(id);
  for (const id of ids('workos_organization_memberships', 2))
    db.prepare('DELETE FROM workos_organization_memberships WHERE id = ?').run(id);
  // Rows that WorkOS deleted but we kept (a missed delete event).
  const insertUser = db.prepare(
    "INSERT INTO workos_users (id, email, raw, created_at, updated_at) VALUES (?, ?, '{}', ?, ?)",
  );
  insertUser.run(
    'user_01GHOST1',
    'ghost1@example.com',
    '2020-01-01T00:00:00.000Z',
    '2020-01-01T00:00:00.000Z',
  );
  insertUser.run(
    'user_01GHOST2',
    'ghost2@example.com',
    '2020-01-01T00:00:00.000Z',
    '2020-01-01T00:00:00.000Z',
  );
  // Rows older here than there (a missed update).
  for (const id of ids('workos_organizations', 4, 1))
    db.prepare(
      "UPDATE workos_organizations SET name = 'stale', updated_at = '2000-01-01T00:00:00.000Z' WHERE id = ?",
    ).run(id);
  db.close();
  return {
    workos_users: { missing: 3, stale: 0, deleted: 2 },
    workos_organization_memberships: { missing: 2, stale: 0, deleted: 0 },
    workos_organizations: { missing: 0, stale: 4, deleted: 0 },
  };
}

describe('reconciliation with the list endpoints', () => {
  it('repairs a damaged database and reports exactly those repairs; a second run finds nothing', async () => {
    const emu = await startEmulator({ seed: 81, events: 3000 });
    const path = tempDbPath();
    const sync = syncFor(emu, path, { settleMs: 0 });
    try {
      await sync.runOnce();
      const truth = await truthFromApi(emu.url, emu.apiKey);
      expect(diffTruths(truth, await truthFromDatabase(path))).toEqual([]);
      const done = damage(path);
      expect(diffTruths(truth, await truthFromDatabase(path))).toHaveLength(3 + 2 + 2 + 4);

      const report = await sync.reconcile();
      expect(report.tables).toEqual(done);
      expect(report.totals).toEqual({ missing: 5, stale: 4, deleted: 2 });
      expect(report.objects).toBeGreaterThan(500);
      expect(diffTruths(truth, await truthFromDatabase(path))).toEqual([]);

      const again = await sync.reconcile();
      expect(again.totals).toEqual({ missing: 0, stale: 0, deleted: 0 });
    } finally {
      await sync.close();
      await emu.close();
    }
  });

  it('never undoes a change an event made after the lists were read, nor deletes a row younger than the reading', async () => {
    const emu = await startEmulator({ seed: 82, events: 500 });
    const path = tempDbPath();
    const sync = syncFor(emu, path, { settleMs: 0 });
    try {
      await sync.runOnce();
      const db = openSqlite(path);
      // A row newer here than the lists show (an event applied while reconciliation read them).
      const org = db.prepare('SELECT id FROM workos_organizations LIMIT 1').get() as { id: string };
      db.prepare(
        "UPDATE workos_organizations SET name = 'from a newer event', updated_at = '2999-01-01T00:00:00.000Z' WHERE id = ?",
      ).run(org.id);
      // A row created just now that the lists did not show yet.
      const now = new Date().toISOString();
      db.prepare(
        "INSERT INTO workos_users (id, email, raw, created_at, updated_at) VALUES ('user_01JUSTNOW', 'new@example.com', '{}', ?, ?)",
      ).run(now, now);
      db.close();
      const report = await sync.reconcile();
      expect(report.totals).toEqual({ missing: 0, stale: 0, deleted: 0 });
      const check = openSqlite(path, { readonly: true });
      expect(
        check.prepare('SELECT name FROM workos_organizations WHERE id = ?').get(org.id),
      ).toEqual({ name: 'from a newer event' });
      expect(
        check.prepare("SELECT COUNT(*) AS n FROM workos_users WHERE id = 'user_01JUSTNOW'").get(),
      ).toEqual({ n: 1 });
      check.close();
    } finally {
      await sync.close();
      await emu.close();
    }
  });

  it('authsync reconcile from the command line prints the repairs', async () => {
    const emu = await startEmulator({ seed: 83, events: 1000 });
    const db = tempDbPath();
    const env = cliEnv(emu, { DATABASE_URL: db });
    try {
      await run('node', [CLI, 'sync', '--once', '--settle-ms', '0'], { env });
      damage(db);
      const text = await run('node', [CLI, 'reconcile'], { env });
      expect(text.stdout).toMatch(/5 missing, 4 stale, 2 deleted rows repaired/);
      expect(text.stdout).toMatch(/workos_users\s+missing 3\s+stale 0\s+deleted 2/);
      const json = await run('node', [CLI, 'reconcile', '--json'], { env });
      expect(JSON.parse(json.stdout).totals).toEqual({ missing: 0, stale: 0, deleted: 0 });
      expect(
        diffTruths(await truthFromApi(emu.url, emu.apiKey), await truthFromDatabase(db)),
      ).toEqual([]);
    } finally {
      await emu.close();
    }
  });
});
