import type { ColumnType } from '../../src/engine/tables.js';
import { CATALOG } from '../../src/schema/index.js';

/** A schema as a comparable value: each table's columns (in order) and indexes (by name). */
export interface SchemaShape {
  [table: string]: { columns: string[]; indexes: string[] };
}

type Query = <T>(text: string) => Promise<T[]>;

/** The engine's own tables (`authsync_*`): every database has them beside the catalog's. */
export const ENGINE_TABLES = [
  'authsync_cursor',
  'authsync_dead_letters',
  'authsync_deliveries',
  'authsync_delivery_attempts',
  'authsync_destinations',
  'authsync_events',
  'authsync_migrations',
  'authsync_outbox',
  'authsync_reconcile_seen',
  'authsync_sequence',
  'authsync_state',
  'authsync_tombstones',
];

const SQLITE_TYPES: Record<ColumnType, string> = {
  text: 'TEXT',
  integer: 'INTEGER',
  boolean: 'INTEGER',
  json: 'TEXT',
  time: 'TEXT',
};
const POSTGRES_TYPES: Record<ColumnType, string> = {
  text: 'text',
  integer: 'bigint',
  boolean: 'boolean',
  json: 'jsonb',
  time: 'timestamp with time zone',
};

/** What the catalog declares, as a database of `dialect` would show it. */
export function declaredShape(dialect: 'sqlite' | 'postgres'): SchemaShape {
  const types = dialect === 'sqlite' ? SQLITE_TYPES : POSTGRES_TYPES;
  const shape: SchemaShape = {};
  for (const t of CATALOG.tables())
    shape[t.name] = {
      columns: t.columns.map((c) => {
        const key = t.key.indexOf(c);
        return `${c} ${types[t.types[c]!]}${t.required.includes(c) ? ' not null' : ''}${key >= 0 ? ` key${key + 1}` : ''}`;
      }),
      indexes: t.indexes.map((i) => `${i.name} (${i.columns.join(', ')})`).sort(),
    };
  return shape;
}

/** Every table's name in a SQLite or D1 database (D1 adds `_cf_` tables of its own). */
export async function sqliteTables(query: Query): Promise<string[]> {
  const rows = await query<{ name: string }>(
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations' ORDER BY name",
  );
  return rows.map((r) => r.name);
}

/** The catalog's tables as a SQLite or D1 database holds them. */
export async function sqliteShape(query: Query, tables = CATALOG.names()): Promise<SchemaShape> {
  const shape: SchemaShape = {};
  for (const table of tables) {
    const columns = await query<{ name: string; type: string; notnull: number; pk: number }>(
      `PRAGMA table_info(${table})`,
    );
    const list = await query<{ name: string; origin: string }>(`PRAGMA index_list(${table})`);
    const indexes: string[] = [];
    for (const index of list.filter((i) => i.origin === 'c')) {
      const cols = await query<{ name: string }>(`PRAGMA index_info(${index.name})`);
      indexes.push(`${index.name} (${cols.map((c) => c.name).join(', ')})`);
    }
    shape[table] = {
      columns: columns.map(
        (c) => `${c.name} ${c.type}${c.notnull ? ' not null' : ''}${c.pk ? ` key${c.pk}` : ''}`,
      ),
      indexes: indexes.sort(),
    };
  }
  return shape;
}

/** Every table's name in a PostgreSQL schema. */
export async function postgresTables(query: Query, schema: string): Promise<string[]> {
  const rows = await query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = '${schema}' ORDER BY table_name`,
  );
  return rows.map((r) => r.table_name);
}

/** The catalog's tables as a PostgreSQL schema holds them. */
export async function postgresShape(
  query: Query,
  schema: string,
  tables = CATALOG.names(),
): Promise<SchemaShape> {
  const shape: SchemaShape = {};
  for (const table of tables) {
    const columns = await query<{ column_name: string; data_type: string; is_nullable: string }>(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_schema = '${schema}' AND table_name = '${table}' ORDER BY ordinal_position`,
    );
    // Ordinality, not array_position: an int2vector cast to an array is indexed from 0.
    const keys = await query<{ column_name: string; position: number }>(
      `SELECT a.attname AS column_name, k.ord AS position
       FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
       WHERE n.nspname = '${schema}' AND c.relname = '${table}' AND i.indisprimary`,
    );
    const indexes = await query<{ name: string; columns: string }>(
      `SELECT ic.relname AS name, string_agg(a.attname, ', ' ORDER BY k.ord) AS columns
       FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_class ic ON ic.oid = i.indexrelid
       CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
       WHERE n.nspname = '${schema}' AND c.relname = '${table}' AND NOT i.indisprimary
       GROUP BY ic.relname`,
    );
    const keyOf = new Map(keys.map((k) => [k.column_name, Number(k.position)]));
    shape[table] = {
      columns: columns.map((c) => {
        const key = keyOf.get(c.column_name);
        return `${c.column_name} ${c.data_type}${c.is_nullable === 'NO' ? ' not null' : ''}${key ? ` key${key}` : ''}`;
      }),
      indexes: indexes.map((i) => `${i.name} (${i.columns})`).sort(),
    };
  }
  return shape;
}
