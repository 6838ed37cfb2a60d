import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { STORE_KINDS, tempDb, type TestDb } from '../helpers/test-db.js';
import { cliEnv, syncFor } from '../helpers/sync-env.js';
import {
  diffTruths,
  differencesFromApi,
  truthFromApi,
  truthFromDatabase,
} from '../helpers/truth.js';

const run = promisify(execFile);
const CLI = join(resolve(import.meta.dirname, '../..'), 'dist/cli.js');

/** Damages a synced database on purpose (the same SQL on both stores); returns what it did. */
async function damage(db: TestDb) {
  const subset = (table: string, n: number, offset = 0) =>
    `SELECT id FROM ${table} ORDER BY id LIMIT ${n} OFFSET ${offset}`;
  const old = (at: string) => (db.kind === 'postgres' ? `'${at}'::timestamptz` : `'${at}'`);
  await db.exec(
    [
      // Rows missed: deleted here without a tombstone, as a lost event would leave them.
      `DELETE FROM workos_users WHERE id IN (${subset('workos_users', 3)})`,
      `DELETE FROM workos_organization_memberships WHERE id IN (${subset('workos_organization_memberships', 2)})`,
      // Rows that WorkOS deleted but we kept (a missed delete event).
      `INSERT INTO workos_users (id, email, raw, created_at, updated_at) VALUES ('user_01GHOST1', 'ghost1@example.com', '{}', ${old('2020-01-01T00:00:00.000Z')}, ${old('2020-01-01T00:00:00.000Z')}), ('user_01GHOST2', 'ghost2@example.com', '{}', ${old('2020-01-01T00:00:00.000Z')}, ${old('2020-01-01T00:00:00.000Z')})`,
      // Rows older here than there (a missed update).
      `UPDATE workos_organizations SET name = 'stale', updated_at = ${old('2000-01-01T00:00:00.000Z')} WHERE id IN (${subset('workos_organizations', 4, 1)})`,
    ].join(';\n'),
  );
  return {
    workos_users: { missing: 3, stale: 0, deleted: 2 },
    workos_organization_memberships: { missing: 2, stale: 0, deleted: 0 },
    workos_organizations: { missing: 0, stale: 4, deleted: 0 },
  };
}

for (const kind of STORE_KINDS)
  describe(`reconciliation with the list endpoints (${kind})`, () => {
    it('repairs a damaged database and reports exactly those repairs; a second run finds nothing', async () => {
      const emu = await startEmulator({ seed: 81, events: 3000 });
      const path = tempDb(kind);
      const sync = syncFor(emu, path, { settleMs: 0 });
      try {
        await sync.runOnce();
        const truth = await truthFromApi(emu.url, emu.apiKey);
        expect(diffTruths(truth, await truthFromDatabase(path))).toEqual([]);
        const done = await damage(path);
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
      const path = tempDb(kind);
      const sync = syncFor(emu, path, { settleMs: 0 });
      try {
        await sync.runOnce();
        const ts = (at: string) => (path.kind === 'postgres' ? `'${at}'::timestamptz` : `'${at}'`);
        // A row newer here than the lists show (an event applied while reconciliation read them).
        const [org] = await path.query<{ id: string }>(
          'SELECT id FROM workos_organizations ORDER BY id LIMIT 1',
        );
        // A row created just now that the lists did not show yet.
        const now = new Date().toISOString();
        await path.exec(
          `UPDATE workos_organizations SET name = 'from a newer event', updated_at = ${ts('2999-01-01T00:00:00.000Z')} WHERE id = '${org!.id}';\n` +
            `INSERT INTO workos_users (id, email, raw, created_at, updated_at) VALUES ('user_01JUSTNOW', 'new@example.com', '{}', ${ts(now)}, ${ts(now)})`,
        );
        const report = await sync.reconcile();
        expect(report.totals).toEqual({ missing: 0, stale: 0, deleted: 0 });
        expect(
          await path.query(`SELECT name FROM workos_organizations WHERE id = '${org!.id}'`),
        ).toEqual([{ name: 'from a newer event' }]);
        expect(await path.query("SELECT id FROM workos_users WHERE id = 'user_01JUSTNOW'")).toEqual(
          [{ id: 'user_01JUSTNOW' }],
        );
      } finally {
        await sync.close();
        await emu.close();
      }
    });

    it('authsync reconcile from the command line prints the repairs', async () => {
      const emu = await startEmulator({ seed: 83, events: 1000 });
      const db = tempDb(kind);
      const env = cliEnv(emu, db.env);
      try {
        await run('node', [CLI, 'sync', '--once', '--settle-ms', '0'], { env });
        await damage(db);
        const text = await run('node', [CLI, 'reconcile'], { env });
        expect(text.stdout).toMatch(/5 missing, 4 stale, 2 deleted rows repaired/);
        expect(text.stdout).toMatch(/workos_users\s+missing 3\s+stale 0\s+deleted 2/);
        const json = await run('node', [CLI, 'reconcile', '--json'], { env });
        expect(JSON.parse(json.stdout).totals).toEqual({ missing: 0, stale: 0, deleted: 0 });
        expect(await differencesFromApi(emu, db)).toEqual([]);
      } finally {
        await emu.close();
      }
    });
  });
