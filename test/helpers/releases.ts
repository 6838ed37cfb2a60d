import { readdirSync, readFileSync } from 'node:fs';
import { CATALOG } from '../../src/schema/index.js';
import { openSqlite } from '../../src/stores/sqlite/driver.js';
import { postgresTables, sqliteTables } from './schema.js';
import type { TestDb } from './test-db.js';

const FIXTURES = new URL('../fixtures/schemas/', import.meta.url);

export interface Release {
  file: string;
  kind: 'sqlite' | 'postgres';
  /** The newest migration that release had. */
  version: number;
}

/** test/fixtures/schemas: databases as earlier releases left them (scripts/schema-fixtures.sh). */
export const releases: Release[] = readdirSync(FIXTURES)
  .map((file) => /^(sqlite|postgres)-v(\d+)\.sql$/.exec(file))
  .filter((m) => m !== null)
  .map((m) => ({ file: m[0], kind: m[1] as 'sqlite' | 'postgres', version: Number(m[2]) }));

/** The fixture of the release of `kind` whose newest migration was `version`. */
export function release(kind: 'sqlite' | 'postgres', version: number): Release {
  const found = releases.find((r) => r.kind === kind && r.version === version);
  if (!found) throw new Error(`no fixture of the ${kind} release at migration ${version}`);
  return found;
}

/** Loads a fixture's dump (PostgreSQL: into this test's own schema). */
export async function loadRelease(db: TestDb, { file, version }: Release): Promise<void> {
  const dump = readFileSync(new URL(file, FIXTURES), 'utf8');
  if (db.kind === 'sqlite') {
    const driver = openSqlite(db.url);
    driver.exec(dump);
    driver.close();
  } else {
    const named = dump.replaceAll(`fixture_v${version}`, db.schema!);
    await db.exec(named);
  }
}

/** The catalog's tables a database has (an earlier release's lacks the later ones). */
export async function productTablesOf(db: TestDb): Promise<string[]> {
  const query = <T>(text: string) => db.query<T>(text);
  const names =
    db.kind === 'sqlite' ? await sqliteTables(query) : await postgresTables(query, db.schema!);
  return names.filter((t) => CATALOG.names().includes(t));
}

/** Copies the product tables' rows and the tombstones of `from` into `to` (same columns). */
export async function copyRows(from: TestDb, to: TestDb): Promise<void> {
  const tables = [
    ...CATALOG.tables(),
    { name: 'authsync_tombstones', columns: ['table_name', 'key', 'deleted_at', 'event_id'] },
  ];
  if (from.kind === 'sqlite') {
    const driver = openSqlite(to.url);
    driver.exec(`ATTACH DATABASE '${from.url}' AS old`);
    for (const t of tables)
      driver.exec(
        `INSERT INTO main.${t.name} (${t.columns.join(', ')}) SELECT ${t.columns.join(', ')} FROM old.${t.name}`,
      );
    driver.close();
  } else {
    for (const t of tables)
      await to.exec(
        `INSERT INTO "${to.schema}".${t.name} (${t.columns.join(', ')}) SELECT ${t.columns.join(', ')} FROM "${from.schema}".${t.name}`,
      );
  }
}
