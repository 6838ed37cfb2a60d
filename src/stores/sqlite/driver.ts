import { readFileSync } from 'node:fs';
import { optionalPackage } from '../optional-package.js';
import { pathToFileURL } from 'node:url';

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
  const builtin = chosenBuiltin();
  if (builtin)
    return fromBuiltin(new builtin.DatabaseSync(path, { readOnly: options.readonly ?? false }));
  return fromBetterSqlite(new (betterSqlite())(path, { readonly: options.readonly ?? false }));
}

/**
 * Reads a SQLite file that cannot be opened the usual way because nothing may be written beside
 * it (a WAL database needs its `-shm` file, and this user cannot create it: a read-only
 * directory or mount). Only for a file closed cleanly (no `-wal` with content, checked by the
 * caller): what it reads is the file as it is. node:sqlite opens it `immutable`; better-sqlite3
 * takes no URI, so the file is read into memory with its header marked rollback-journal (a WAL
 * header makes SQLite look for the `-wal` it cannot have).
 */
export function openSqliteSnapshot(path: string): SqliteDriver {
  const builtin = chosenBuiltin();
  if (builtin)
    return fromBuiltin(
      new builtin.DatabaseSync(`${pathToFileURL(path).href}?immutable=1`, { readOnly: true }),
    );
  const bytes = readFileSync(path);
  // Bytes 18 and 19: the file format's write and read versions, 2 for WAL, 1 for rollback.
  if (bytes.length >= 20) bytes[18] = bytes[19] = 1;
  return fromBetterSqlite(new (betterSqlite())(bytes, { readonly: true }));
}

/** node:sqlite when it is to be used (see `openSqlite`), else undefined. */
function chosenBuiltin(): NodeSqlite | undefined {
  const wanted = process.env.AUTHSYNC_SQLITE_DRIVER;
  const major = Number(process.versions.node.split('.')[0]);
  const builtin = wanted === 'better-sqlite3' ? undefined : loadBuiltin();
  return builtin && (wanted === 'node:sqlite' || major >= 24) ? builtin : undefined;
}

function betterSqlite(): typeof import('better-sqlite3') {
  return optionalPackage<typeof import('better-sqlite3')>(
    'better-sqlite3',
    `SQLite on Node ${process.versions.node} (node:sqlite is used from Node 24 on)`,
  );
}

function fromBuiltin(db: NodeSqliteDatabase): SqliteDriver {
  return {
    name: 'node:sqlite',
    prepare: (sql) => db.prepare(sql) as unknown as SqliteStatement,
    exec: (sql) => db.exec(sql),
    close: () => db.close(),
  };
}

function fromBetterSqlite(db: import('better-sqlite3').Database): SqliteDriver {
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
