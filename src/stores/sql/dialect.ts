import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
  type RawBuilder,
} from 'kysely';
import type { ColumnType } from '../../engine/tables.js';

export type DialectName = 'sqlite' | 'postgres';

/** How PostgreSQL stores each kind of column (SQLite keeps text, and integers for booleans). */
export const PG_TYPES: Record<ColumnType, string> = {
  text: 'text',
  integer: 'bigint',
  boolean: 'boolean',
  json: 'jsonb',
  time: 'timestamptz',
};

/**
 * What differs between the SQL databases authsync writes to, and a Kysely that only compiles
 * (statements are compiled once per shape and run by each store's own driver).
 */
export interface SqlDialect {
  name: DialectName;
  db: Kysely<unknown>;
  /** A bound value where the database cannot infer its type (a SELECT list feeding an INSERT). */
  typed(value: unknown, type: ColumnType): RawBuilder<unknown>;
  /** The larger of two non-null values. */
  greatest(a: RawBuilder<unknown>, b: RawBuilder<unknown>): RawBuilder<unknown>;
  /** The column that orders rows by insertion (old outbox rows are adopted oldest first). */
  insertionOrder: string;
  /** A non-negative integer as 20 digits of text, so that numbers compare as text. */
  zeroPadded(n: RawBuilder<unknown>): RawBuilder<unknown>;
  /** Equality where two NULLs are equal. */
  same(a: RawBuilder<unknown>, b: RawBuilder<unknown>): RawBuilder<unknown>;
  /** A JSON array column: with `value` appended; whether it holds `value`; without `value`. */
  listAdd(list: RawBuilder<unknown>, value: RawBuilder<unknown>): RawBuilder<unknown>;
  listHas(list: RawBuilder<unknown>, value: RawBuilder<unknown>): RawBuilder<unknown>;
  listRemove(list: RawBuilder<unknown>, value: RawBuilder<unknown>): RawBuilder<unknown>;
}

const compileOnly = (name: DialectName): Kysely<unknown> =>
  new Kysely<unknown>({
    dialect: {
      createAdapter: () => (name === 'postgres' ? new PostgresAdapter() : new SqliteAdapter()),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) =>
        name === 'postgres' ? new PostgresIntrospector(db) : new SqliteIntrospector(db),
      createQueryCompiler: () =>
        name === 'postgres' ? new PostgresQueryCompiler() : new SqliteQueryCompiler(),
    },
  });

export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  db: compileOnly('sqlite'),
  typed: (value) => sql`${value}`,
  greatest: (a, b) => sql`MAX(${a}, ${b})`,
  insertionOrder: 'rowid',
  zeroPadded: (n) => sql`printf('%020d', ${n})`,
  same: (a, b) => sql`${a} IS ${b}`,
  listAdd: (list, value) => sql`json_insert(COALESCE(${list}, '[]'), '$[#]', ${value})`,
  listHas: (list, value) =>
    sql`EXISTS (SELECT 1 FROM json_each(COALESCE(${list}, '[]')) WHERE value = ${value})`,
  listRemove: (list, value) =>
    sql`(SELECT json_group_array(value) FROM json_each(COALESCE(${list}, '[]')) WHERE value <> ${value})`,
};

export const postgresDialect: SqlDialect = {
  name: 'postgres',
  db: compileOnly('postgres'),
  typed: (value, type) => sql`CAST(${value} AS ${sql.raw(PG_TYPES[type])})`,
  greatest: (a, b) => sql`GREATEST(${a}, ${b})`,
  insertionOrder: 'seq',
  zeroPadded: (n) => sql`lpad(CAST(${n} AS text), 20, '0')`,
  same: (a, b) => sql`${a} IS NOT DISTINCT FROM ${b}`,
  listAdd: (list, value) =>
    sql`COALESCE(${list}, '[]'::jsonb) || jsonb_build_array(CAST(${value} AS text))`,
  listHas: (list, value) =>
    sql`COALESCE(${list}, '[]'::jsonb) @> jsonb_build_array(CAST(${value} AS text))`,
  listRemove: (list, value) => sql`COALESCE(${list}, '[]'::jsonb) - CAST(${value} AS text)`,
};
