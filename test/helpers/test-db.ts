import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { onTestFinished } from 'vitest';
import { openSqlite } from '../../src/stores/sqlite/driver.js';
import type { SourceIdentity, SyncStore } from '../../src/engine/store.js';
import { POSTGRES_SCHEMA, SQLITE_SCHEMA } from '../../src/schema/index.js';
import { WORKOS_SOURCE } from './sources.js';
import { PostgresStore } from '../../src/stores/postgres/postgres-store.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';

export type StoreKind = 'sqlite' | 'postgres';

/** Every correctness suite runs once per store. */
export const STORE_KINDS: StoreKind[] = ['sqlite', 'postgres'];

/** The PostgreSQL server of this machine (see test/global-setup.ts, which starts it if down). */
export const PG_URL = process.env.AUTHSYNC_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A database of its own for one test: a SQLite file, or a PostgreSQL schema dropped afterwards. */
export interface TestDb {
  kind: StoreKind;
  url: string;
  schema?: string;
  /** For `createSync`. */
  options: { databaseUrl: string; schema?: string };
  /** For the CLI. */
  env: Record<string, string>;
  /** Rows of a query without parameters (the same SQL on both stores). */
  query<T = Record<string, unknown>>(text: string): Promise<T[]>;
  /** Statements without parameters that return nothing (damage for a test to repair). */
  exec(text: string): Promise<void>;
  /** A store on this database for a source (default WorkOS's; the test closes it). */
  store(source?: SourceIdentity): SyncStore;
}

let counter = 0;

export function tempDb(kind: StoreKind = 'sqlite'): TestDb {
  if (kind === 'sqlite') return sqliteDb(join(mkdtempSync(join(tmpdir(), 'authsync-')), 'sync.db'));
  const schema = `t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  onTestFinished(async () => {
    const client = new pg.Client(PG_URL);
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });
  return postgresDb(PG_URL, schema);
}

/** A TestDb on any PostgreSQL server and schema (the test owns its lifetime). */
export function postgresDb(url: string, schema = 'public'): TestDb {
  return {
    kind: 'postgres',
    url,
    schema,
    options: { databaseUrl: url, schema },
    env: { DATABASE_URL: url, DATABASE_SCHEMA: schema },
    async query<T>(text: string) {
      const client = new pg.Client({
        connectionString: url,
        options: `-c search_path=${schema}`,
        types: normalizedTypes,
      });
      await client.connect();
      try {
        return (await client.query(text)).rows as T[];
      } finally {
        await client.end();
      }
    },
    async exec(text: string) {
      await this.query(text);
    },
    store: (source = WORKOS_SOURCE) =>
      new PostgresStore(url, schema, { storeSchema: POSTGRES_SCHEMA, source }),
  };
}

/**
 * Values read from PostgreSQL in SQLite's form, so one comparison serves both: booleans as
 * 0/1, times as ISO strings, JSON as compact text, counts as numbers.
 */
const normalizedTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 16) return (v: string) => (v === 't' ? 1 : 0);
    if (oid === 1184) {
      const parse = pg.types.getTypeParser(1184, 'text') as (v: string) => Date;
      return (v: string) => parse(v).toISOString();
    }
    if (oid === 3802 || oid === 114) return (v: string) => JSON.stringify(JSON.parse(v));
    if (oid === 20) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
} as pg.CustomTypesConfig;

/** A SQLite path, as older tests pass, or a TestDb. */
export const asTestDb = (db: TestDb | string): TestDb =>
  typeof db === 'string' ? sqliteDb(db) : db;

/** What the table comparisons need of a database (a D1 database in workerd has only this). */
export type Queryable = Pick<TestDb, 'query'>;

function sqliteDb(path: string): TestDb {
  const withDb = <T>(fn: (db: ReturnType<typeof openSqlite>) => T): T => {
    const db = openSqlite(path);
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };
  return {
    kind: 'sqlite',
    url: path,
    options: { databaseUrl: path },
    env: { DATABASE_URL: path },
    query: async <T>(text: string) => withDb((db) => db.prepare(text).all() as T[]),
    exec: async (text: string) => withDb((db) => db.exec(text)),
    store: (source = WORKOS_SOURCE) =>
      new SqliteStore(path, { storeSchema: SQLITE_SCHEMA, source }),
  };
}
