import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, databaseSchema } from './config.js';
import { showSetting } from './engine/redact.js';
import type { SourceIdentity, SyncStore } from './engine/store.js';
import { POSTGRES_SCHEMA, SQLITE_SCHEMA } from './schema/index.js';
import { PostgresStore } from './stores/postgres/postgres-store.js';
import { SqliteStore } from './stores/sqlite/sqlite-store.js';

export type DatabaseTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** `DATABASE_URL`: `postgres://` / `postgresql://` for PostgreSQL, else a SQLite path or `file:` URL. */
export function databaseTarget(databaseUrl: string): DatabaseTarget {
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    try {
      new URL(databaseUrl);
    } catch {
      throw new ConfigError('DATABASE_URL is not a valid postgres:// URL.');
    }
    return { kind: 'postgres', url: databaseUrl };
  }
  return { kind: 'sqlite', path: sqlitePath(databaseUrl) };
}

/** A SQLite file from `DATABASE_URL`: a path, or a `file:` URL. */
export function sqlitePath(databaseUrl: string): string {
  if (databaseUrl.startsWith('file:')) {
    try {
      return fileURLToPath(new URL(databaseUrl, `file://${process.cwd()}/`));
    } catch {
      throw new ConfigError(`DATABASE_URL ${showSetting(databaseUrl)} is not a valid file: URL.`);
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(databaseUrl)) {
    throw new ConfigError(
      `DATABASE_URL ${showSetting(databaseUrl)} is not a SQLite path, file: URL or postgres:// URL.`,
    );
  }
  return databaseUrl === ':memory:' ? databaseUrl : resolve(databaseUrl);
}

export interface StoreOptions {
  source: SourceIdentity;
  workExpireSeconds?: number;
  /** PostgreSQL: a reader that stops answering loses the role after this long (ms). */
  readerTimeoutMs?: number;
  readOnly?: boolean;
  /**
   * Another source's store on the same database, opened in this process: a SQLite file's
   * stores share one connection (see `SqliteStore.forSource`); PostgreSQL's each have a pool.
   */
  sharing?: SyncStore;
}

/** Opens the store `DATABASE_URL` names (Node: SQLite or PostgreSQL). */
export function openStore(
  databaseUrl: string,
  schema: string | undefined,
  options: StoreOptions,
): SyncStore {
  const target = databaseTarget(databaseUrl);
  if (target.kind === 'postgres')
    return new PostgresStore(target.url, databaseSchema(schema), {
      storeSchema: POSTGRES_SCHEMA,
      source: options.source,
      jobExpireSeconds: options.workExpireSeconds,
      readerTimeoutMs: options.readerTimeoutMs,
      readOnly: options.readOnly,
    });
  if (options.sharing instanceof SqliteStore)
    return options.sharing.forSource(options.source, SQLITE_SCHEMA);
  return new SqliteStore(target.path, {
    storeSchema: SQLITE_SCHEMA,
    source: options.source,
    readOnly: options.readOnly,
  });
}
