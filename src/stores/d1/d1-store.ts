import { refuseMissingMigrations, refuseNewerDatabase } from '../sql/migration-check.js';
import { ConfigError } from '../../engine/config-error.js';
import {
  ConcurrentRunError,
  type CommitBatch,
  type Cursor,
  type SourceIdentity,
} from '../../engine/store.js';
import { commitSteps, type Step } from '../sql/commit-steps.js';
import { sqliteDialect } from '../sql/dialect.js';
import { wellFormedValues } from '../../engine/storable-text.js';
import { bind, type Plan } from '../sql/plan.js';
import { SqlStore, type SqlExecutor, type SqlRunner } from '../sql/sql-store.js';
import { Statements } from '../sql/statements.js';
import type { Migration, StoreSchema } from '../../engine/tables.js';
import type { D1Database, D1PreparedStatement } from './d1-types.js';

/** D1 refuses statements binding more values than this. */
export const D1_MAX_PARAMS = 100;

/**
 * D1 as a `SqlExecutor`. D1 has no interactive transactions: what must be atomic is sent as one
 * `batch()` (D1 runs a batch as one SQLite transaction). `runSteps` is therefore one batch: a
 * commit's inbox, rows, dead letters, outbox and cursor land together or not at all. The other
 * callers of `transaction` (webhook deliveries, reconciliation pages) are idempotent statement by
 * statement, so running them one by one loses nothing if a run dies half-way.
 */
class D1Executor implements SqlExecutor {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly d1: D1Database,
    private readonly migrations: readonly Migration[],
  ) {}

  private statement(plan: Plan, values: readonly unknown[] = []): D1PreparedStatement {
    // Lone surrogates become U+FFFD, as on SQLite (NUL is kept).
    const params = wellFormedValues(bind(plan, values));
    if (params.length > D1_MAX_PARAMS)
      throw new Error(
        `A statement binds ${params.length} values; D1 allows ${D1_MAX_PARAMS}: ${plan.sql.slice(0, 80)}`,
      );
    return this.d1.prepare(plan.sql).bind(...params);
  }

  async run(plan: Plan, values?: readonly unknown[]): Promise<number> {
    return (await this.statement(plan, values).run()).meta.changes ?? 0;
  }

  async get<T>(plan: Plan, values?: readonly unknown[]): Promise<T | undefined> {
    return ((await this.statement(plan, values).first()) as T | null) ?? undefined;
  }

  async all<T>(plan: Plan, values?: readonly unknown[]): Promise<T[]> {
    return (await this.statement(plan, values).all()).results as T[];
  }

  async runSteps(steps: Iterable<Step>): Promise<void> {
    const statements = [...steps].map((s) => this.statement(s.plan, s.values));
    if (statements.length > 0) await this.d1.batch(statements);
  }

  /** Not a transaction (D1 has none): calls are only kept from interleaving. */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const run = this.queue.then(() => fn(this));
    this.queue = run.catch(() => {});
    return run;
  }

  /**
   * D1's schema is changed by `wrangler d1 migrations apply` (the files in `d1/migrations`, which
   * record themselves in authsync_migrations): a Worker never alters it. Here we only check it.
   */
  async migrate(): Promise<void> {
    let applied: Set<number>;
    try {
      const { results } = await this.d1.prepare('SELECT version FROM authsync_migrations').all();
      applied = new Set(results.map((r) => Number((r as { version: number }).version)));
    } catch {
      applied = new Set();
    }
    try {
      refuseNewerDatabase(applied, this.migrations);
      refuseMissingMigrations(
        applied,
        this.migrations,
        'run `wrangler d1 migrations apply <DATABASE>` with migrations_dir = "node_modules/authsync/d1/migrations".',
      );
    } catch (error) {
      throw new ConfigError(`D1: ${(error as Error).message}`);
    }
  }

  async close(): Promise<void> {
    await this.queue;
  }
}

/**
 * The store for Cloudflare D1: the SQLite schema and statements, each commit one `batch()`.
 *
 * Scheduled runs may overlap (a slow run and the next cron tick, or a webhook's pull). Every
 * statement of a commit is idempotent (guarded upserts, `ON CONFLICT` inserts), so a page applied
 * twice leaves the same rows; what must not happen is a run moving the cursor back over
 * another's progress. So a commit that moves the cursor first checks that the cursor is still
 * where this run last saw it; if not, the whole batch fails and the run stops (ConcurrentRunError).
 */
export class D1Store extends SqlStore {
  /** The cursor as this run last read or wrote it. */
  private expected: Cursor | null = null;

  /** `storeSchema`: the tables it holds and the migrations that make them (`src/schema`, SQLite's). */
  constructor(d1: D1Database, options: { storeSchema: StoreSchema; source: SourceIdentity }) {
    super(
      new D1Executor(d1, options.storeSchema.migrations),
      new Statements(sqliteDialect, options.storeSchema.tables, options.source.orderedIds),
      options.source,
      { maxInList: D1_MAX_PARAMS },
    );
  }

  override async readCursor(): Promise<Cursor> {
    const cursor = await super.readCursor();
    this.expected = cursor;
    return cursor;
  }

  override async commit(batch: CommitBatch): Promise<void> {
    const steps: Step[] = [];
    if (batch.cursor) {
      const expected = this.expected ?? (await this.readCursor());
      steps.push({
        plan: this.st.assertCursor(),
        values: [this.source.id, expected.after, expected.rangeStart],
      });
    }
    steps.push(...commitSteps(this.st, batch, this.source, new Date().toISOString()));
    try {
      await this.db.runSteps(steps);
    } catch (error) {
      if (batch.cursor && CURSOR_MOVED.test(String((error as Error).message)))
        throw new ConcurrentRunError();
      throw error;
    }
    if (batch.cursor)
      this.expected = { after: batch.cursor.after, rangeStart: batch.cursor.rangeStart };
  }
}

/** How D1 reports the failed cursor check (see Statements.assertCursor). */
const CURSOR_MOVED = /NOT NULL constraint failed: authsync_state\.value/;
