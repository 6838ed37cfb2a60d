import { ConfigError } from '../../engine/config-error.js';
import type { OnUpgrade } from '../../engine/store.js';
import type { Step } from '../sql/commit-steps.js';
import { sqliteDialect } from '../sql/dialect.js';
import { wellFormedValues } from '../../engine/storable-text.js';
import { bind, type Plan } from '../sql/plan.js';
import { SqlStore, type SqlExecutor, type SqlRunner } from '../sql/sql-store.js';
import { Statements } from '../sql/statements.js';
import { refuseMissingMigrations, refuseNewerDatabase } from '../sql/migration-check.js';
import { existsSync, statSync } from 'node:fs';
import {
  openSqlite,
  openSqliteSnapshot,
  type SqliteDriver,
  type SqliteStatement,
} from './driver.js';
import type { Migration, StoreSchema } from '../../engine/tables.js';
import type { SourceIdentity } from '../../engine/store.js';

/**
 * One SQLite connection as a `SqlExecutor`. The driver is synchronous: a whole commit runs
 * without yielding, and transactions are queued so that none starts inside another.
 */
class SqliteExecutor implements SqlExecutor {
  /**
   * Each plan's prepared statement, and the array its parameters are bound from: the driver
   * binds before it returns, so one array per plan serves every run (a catch-up runs hundreds
   * of thousands; an array each was a tenth of its garbage).
   */
  private readonly statements = new Map<
    string,
    { statement: SqliteStatement; params: unknown[] }
  >();
  private queue: Promise<unknown> = Promise.resolve();
  /** Stores on this connection (one per source): the last to close closes it. */
  private users = 1;

  constructor(
    readonly driver: SqliteDriver,
    private readonly migrations: readonly Migration[],
    /** Only read (`status`): migrations are checked, never run. */
    private readonly readOnly = false,
  ) {}

  private prepared(plan: Plan): { statement: SqliteStatement; params: unknown[] } {
    let s = this.statements.get(plan.sql);
    if (!s) {
      s = { statement: this.driver.prepare(plan.sql), params: new Array(plan.slots.length) };
      this.statements.set(plan.sql, s);
    }
    return s;
  }

  private runSync(plan: Plan, values: readonly unknown[] = []): number {
    const { statement, params } = this.prepared(plan);
    return Number(statement.run(...wellFormedValues(bind(plan, values, params))).changes);
  }

  private getSync<T>(plan: Plan, values: readonly unknown[] = []): T | undefined {
    const { statement, params } = this.prepared(plan);
    return statement.get(...wellFormedValues(bind(plan, values, params))) as T | undefined;
  }

  private allSync<T>(plan: Plan, values: readonly unknown[] = []): T[] {
    const { statement, params } = this.prepared(plan);
    return statement.all(...wellFormedValues(bind(plan, values, params))) as T[];
  }

  /**
   * A transaction awaits its callback between BEGIN and COMMIT, and other tasks share this one
   * connection: a statement of theirs run in that gap would commit or roll back with a
   * transaction not its own (an effect's done-mark undone by a failed commit), and a read
   * there sees rows not yet committed. So statements from outside wait until no transaction is
   * open; the transaction's own go through `inside`.
   */
  private open = false;

  private async outside(): Promise<void> {
    while (this.open) await this.queue;
  }

  private readonly inside: SqlRunner = {
    mergesSteps: false,
    run: async (plan, values) => this.runSync(plan, values),
    get: async <T>(plan: Plan, values?: readonly unknown[]) => this.getSync<T>(plan, values),
    all: async <T>(plan: Plan, values?: readonly unknown[]) => this.allSync<T>(plan, values),
    runSteps: async (steps) => {
      for (const step of steps) this.runSync(step.plan, step.values);
    },
  };

  async run(plan: Plan, values?: readonly unknown[]): Promise<number> {
    await this.outside();
    return this.runSync(plan, values);
  }

  async get<T>(plan: Plan, values: readonly unknown[] = []): Promise<T | undefined> {
    await this.outside();
    return this.getSync<T>(plan, values);
  }

  async all<T>(plan: Plan, values: readonly unknown[] = []): Promise<T[]> {
    await this.outside();
    return this.allSync<T>(plan, values);
  }

  async runSteps(steps: Iterable<Step>): Promise<void> {
    await this.outside();
    for (const step of steps) this.runSync(step.plan, step.values);
  }

  /** BEGIN IMMEDIATE: take the write lock up front. */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      this.driver.exec('BEGIN IMMEDIATE');
      this.open = true;
      try {
        const result = await fn(this.inside);
        this.driver.exec('COMMIT');
        return result;
      } catch (error) {
        try {
          this.driver.exec('ROLLBACK');
        } catch {
          // SQLite rolled back already (a full disk, an I/O error): keep the error that says why.
        }
        throw error;
      } finally {
        this.open = false;
      }
    });
    this.queue = run.catch(() => {});
    return run;
  }

  /** Sources sharing this connection migrate it once, one after another. */
  private migrated: Promise<void> | null = null;

  migrate(onUpgrade?: OnUpgrade): Promise<void> {
    const migrating = (this.migrated ??= this.migrateOnce(onUpgrade));
    // A failed migration is tried again by the next call.
    migrating.catch(() => {
      if (this.migrated === migrating) this.migrated = null;
    });
    return migrating;
  }

  private async migrateOnce(onUpgrade?: OnUpgrade): Promise<void> {
    // Read first: a database that is up to date needs no write (so `status` works on a file
    // this user may only read).
    const known = this.driver
      .prepare(
        "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'authsync_migrations'",
      )
      .get();
    if (this.readOnly) {
      const applied = known
        ? (this.driver.prepare('SELECT version FROM authsync_migrations').all() as {
            version: number;
          }[])
        : [];
      const versions = new Set(applied.map((a) => a.version));
      refuseNewerDatabase(versions, this.migrations);
      refuseMissingMigrations(
        versions,
        this.migrations,
        'run `authsync migrate` as a user that can write it.',
      );
      return;
    }
    if (!known)
      this.driver.exec(
        'CREATE TABLE IF NOT EXISTS authsync_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
      );
    const applied = new Set(
      (
        this.driver.prepare('SELECT version FROM authsync_migrations').all() as {
          version: number;
        }[]
      ).map((r) => r.version),
    );
    refuseNewerDatabase(applied, this.migrations);
    for (const m of this.migrations) {
      if (applied.has(m.version)) continue;
      if (applied.size > 0) onUpgrade?.(m);
      await this.transaction(async () => {
        this.driver.exec(m.sql);
        this.driver
          .prepare('INSERT INTO authsync_migrations (version, name, applied_at) VALUES (?, ?, ?)')
          .run(m.version, m.name, new Date().toISOString());
      });
    }
  }

  retain(): this {
    this.users += 1;
    return this;
  }

  async close(): Promise<void> {
    this.users -= 1;
    if (this.users > 0) return;
    await this.queue;
    this.driver.close();
  }
}

/**
 * The embedded default store: one SQLite file. WAL journal with synchronous=NORMAL: a killed
 * process never loses a committed transaction (a power cut may lose the last few, never half
 * of one).
 */
export class SqliteStore extends SqlStore {
  readonly driver: SqliteDriver;
  private readonly executor: SqliteExecutor;

  constructor(
    readonly path: string,
    options: {
      /** The tables it holds and the migrations that make them (`src/schema`). */
      storeSchema: StoreSchema;
      /** The source it serves: its cursor and state. */
      source: SourceIdentity;
      /** For commands that only read (`status`), on a file this user may not write. */
      readOnly?: boolean;
    },
    /** Another source's store on the same file, whose connection this one shares. */
    sharing?: SqliteStore,
  ) {
    const executor =
      sharing?.executor.retain() ??
      new SqliteExecutor(
        openDriver(path, options.readOnly),
        options.storeSchema.migrations,
        options.readOnly,
      );
    super(
      executor,
      new Statements(sqliteDialect, options.storeSchema.tables, options.source.orderedIds),
      options.source,
    );
    this.executor = executor;
    this.driver = executor.driver;
  }

  /**
   * This file's store for another source, on the same connection. Two connections in one
   * process would wait on each other: the driver is synchronous, so one waiting for the write
   * lock blocks the event loop the other needs to finish its transaction and release it. On one
   * connection the sources' transactions queue instead.
   */
  forSource(source: SourceIdentity, storeSchema: StoreSchema): SqliteStore {
    return new SqliteStore(this.path, { storeSchema, source }, this);
  }
}

function openDriver(path: string, readOnly?: boolean): SqliteDriver {
  if (readOnly && path !== ':memory:' && !existsSync(path))
    throw new Error(
      `DATABASE_URL names the SQLite file ${path}, which does not exist yet: \`authsync sync\` or \`authsync migrate\` creates it.`,
    );
  try {
    return readOnly ? openForReading(path) : openForWriting(path);
  } catch (error) {
    // A driver that is not installed: its message says what to install.
    if (error instanceof ConfigError) throw error;
    throw new Error(
      `DATABASE_URL names the SQLite file ${path}, which cannot be opened: ${(error as Error).message}. ${sqliteHint((error as Error).message)}`,
      { cause: error },
    );
  }
}

function openForWriting(path: string): SqliteDriver {
  const driver = openSqlite(path);
  driver.exec('PRAGMA busy_timeout = 5000');
  // Also the first read of the file: a file that is not a database fails here. Read before
  // set: an up-to-date database needs no write.
  const { journal_mode } = driver.prepare('PRAGMA journal_mode').get() as { journal_mode: string };
  if (journal_mode !== 'wal') driver.exec('PRAGMA journal_mode = WAL');
  driver.exec('PRAGMA synchronous = NORMAL');
  // Checkpoint (the only fsyncs in WAL + NORMAL) every ~40 MiB of WAL instead of every 4 MiB:
  // on catch-up, checkpoints were most of the time spent.
  driver.exec('PRAGMA wal_autocheckpoint = 10000');
  return driver;
}

/**
 * A read-only connection. Where even that fails because SQLite cannot create the WAL's `-shm`
 * beside the file (a read-only directory or mount), a file closed cleanly (no `-wal` with
 * content) is read as it is (`openSqliteSnapshot`).
 */
function openForReading(path: string): SqliteDriver {
  let driver: SqliteDriver | undefined;
  try {
    driver = openSqlite(path, { readonly: true });
    driver.exec('PRAGMA busy_timeout = 5000');
    driver.prepare('SELECT COUNT(*) AS n FROM sqlite_master').get();
    return driver;
  } catch (error) {
    driver?.close();
    const wal = `${path}-wal`;
    const cannotShare = /unable to open|readonly|read-only|disk I\/O/i.test(
      (error as Error).message,
    );
    if (!cannotShare || !existsSync(path) || (existsSync(wal) && statSync(wal).size > 0))
      throw error;
    return openSqliteSnapshot(path);
  }
}

/** What to check, for SQLite's terse open errors. */
function sqliteHint(message: string): string {
  if (/directory does not exist/i.test(message)) return 'Create its directory first.';
  if (/not a database/i.test(message))
    return 'The file is not a SQLite database: point DATABASE_URL at a new or an authsync file.';
  if (/readonly|read-only|unable to open/i.test(message))
    return 'Check that this user can read and write the file and its directory.';
  return 'Check the path and its permissions.';
}
