import { createRequire } from 'node:module';

/** The little of a SQLite driver the store uses; both drivers below provide it. */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

export interface SqliteDriver {
  readonly name: 'node:sqlite' | 'better-sqlite3';
  prepare(sql: string): SqliteStatement;
  exec(sql: string): void;
  close(): void;
}

/**
 * Opens a SQLite file with Node's built-in `node:sqlite` on Node 24 and later, else with
 * better-sqlite3. Why two: better-sqlite3 12 (the last line that supports Node 20) aborts the
 * process on Node ≥ 24.19 when a statement is garbage-collected outside a JS context
 * (`RemoveEnvironmentCleanupHook` assertion), and `node:sqlite` is not in Node 20.
 * `AUTHSYNC_SQLITE_DRIVER=better-sqlite3|node:sqlite` overrides the choice.
 */
export function openSqlite(path: string, options: { readonly?: boolean } = {}): SqliteDriver {
  const wanted = process.env.AUTHSYNC_SQLITE_DRIVER;
  const major = Number(process.versions.node.split('.')[0]);
  const builtin = wanted === 'better-sqlite3' ? undefined : loadBuiltin();
  if (builtin && (wanted === 'node:sqlite' || major >= 24)) {
    const db = new builtin.DatabaseSync(path, { readOnly: options.readonly ?? false });
    return {
      name: 'node:sqlite',
      prepare: (sql) => db.prepare(sql) as unknown as SqliteStatement,
      exec: (sql) => db.exec(sql),
      close: () => db.close(),
    };
  }
  const require = createRequire(import.meta.url);
  const Database = require('better-sqlite3') as typeof import('better-sqlite3');
  const db = new Database(path, { readonly: options.readonly ?? false });
  return {
    name: 'better-sqlite3',
    prepare: (sql) => db.prepare(sql) as unknown as SqliteStatement,
    exec: (sql) => void db.exec(sql),
    close: () => db.close(),
  };
}

type NodeSqlite = {
  DatabaseSync: new (path: string, options?: { readOnly?: boolean }) => NodeSqliteDatabase;
};
interface NodeSqliteDatabase {
  prepare(sql: string): unknown;
  exec(sql: string): void;
  close(): void;
}

function loadBuiltin(): NodeSqlite | undefined {
  const get = (process as unknown as { getBuiltinModule?: (id: string) => unknown })
    .getBuiltinModule;
  try {
    return get?.('node:sqlite') as NodeSqlite | undefined;
  } catch {
    return undefined;
  }
}
