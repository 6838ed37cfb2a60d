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
import { PG_TYPES } from './ddl.js';

export type DialectName = 'sqlite' | 'postgres';

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
  /** The column that orders rows by insertion (the outbox is run oldest first). */
  insertionOrder: string;
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
};

export const postgresDialect: SqlDialect = {
  name: 'postgres',
  db: compileOnly('postgres'),
  typed: (value, type) => sql`CAST(${value} AS ${sql.raw(PG_TYPES[type])})`,
  greatest: (a, b) => sql`GREATEST(${a}, ${b})`,
  insertionOrder: 'seq',
};
