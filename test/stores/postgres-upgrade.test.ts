import { describe, expect, it } from 'vitest';
import { Emulator } from '../../src/emulator/index.js';
import { POSTGRES_SCHEMA } from '../../src/schema/index.js';
import { drainEmulator } from '../helpers/drain.js';
import { copyRows, loadRelease, productTablesOf, release } from '../helpers/releases.js';
import { dumpTables } from '../helpers/sync-env.js';
import { tempDb, type TestDb } from '../helpers/test-db.js';

const MIGRATIONS = POSTGRES_SCHEMA.migrations;

/** Columns and indexes of a schema, without its name: equal for equal schemas. */
const schemaOf = async (db: TestDb): Promise<string> =>
  JSON.stringify([
    await db.query(
      `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
       WHERE table_schema = '${db.schema}' ORDER BY table_name, column_name`,
    ),
    (
      await db.query<{ indexname: string; indexdef: string }>(
        `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = '${db.schema}' ORDER BY indexname`,
      )
    ).map((i) => [
      i.indexname,
      i.indexdef.replaceAll(`"${db.schema}".`, '').replaceAll(`${db.schema}.`, ''),
    ]),
  ]);

describe('PostgreSQL: upgrading a schema of the previous release', () => {
  const newest = Math.max(...MIGRATIONS.map((m) => m.version));

  it('announces each pending migration once, keeps every row, and syncs on as a fresh schema would', async () => {
    const emulator = new Emulator({ seed: 'pg-upgrade', events: 2000 });
    const old = tempDb('postgres');
    // Rows written by the previous release itself (test/fixtures/schemas).
    await loadRelease(old, release('postgres', newest - 1));
    const oldStore = old.store();
    const fresh = tempDb('postgres');
    const freshStore = fresh.store();
    try {
      const had = await productTablesOf(old);
      const rowsBefore = await dumpTables(old, had);
      expect(rowsBefore).toMatch(/workos_users\n\[\{/);

      const upgrades: number[] = [];
      await oldStore.migrate((m) => upgrades.push(m.version));
      expect(upgrades).toEqual([newest]);
      expect(await dumpTables(old, had)).toBe(rowsBefore);
      // Up to date: nothing more to run or announce.
      await oldStore.migrate((m) => upgrades.push(m.version));
      expect(upgrades).toEqual([newest]);

      // A new schema is created, not upgraded: nothing to announce.
      await freshStore.migrate((m) => upgrades.push(-m.version));
      expect(upgrades).toEqual([newest]);
      expect(await schemaOf(old)).toBe(await schemaOf(fresh));

      // The same events, applied to it and to a new schema given the same rows.
      await copyRows(old, fresh);
      expect(await drainEmulator(oldStore, emulator, 0)).toBe(2000);
      expect(await drainEmulator(freshStore, emulator, 0)).toBe(2000);
      expect(await dumpTables(old)).toBe(await dumpTables(fresh));
    } finally {
      await oldStore.close();
      await freshStore.close();
      emulator.close();
    }
  });
});
