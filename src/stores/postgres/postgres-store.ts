import type pg from 'pg';
import { optionalPackage } from '../optional-package.js';
import { commitSteps, type Step } from '../sql/commit-steps.js';
import { postgresDialect } from '../sql/dialect.js';
import { storableText, storableValues } from '../../engine/storable-text.js';
import { bind, type Plan } from '../sql/plan.js';
import { SqlStore, type SqlExecutor, type SqlRunner } from '../sql/sql-store.js';
import { Statements } from '../sql/statements.js';
import { mergeSteps, MultiRowStatements } from './batching.js';
import { PgReaderLease } from './reader-lease.js';
import { PgWorkQueue, type QueueTransaction } from './work-queue.js';
import { refuseMissingMigrations, refuseNewerDatabase } from '../sql/migration-check.js';
import { SCHEMA_PATTERN } from './schema-name.js';
import type { Migration, StoreSchema } from '../../engine/tables.js';
import { hostname } from 'node:os';
import type {
  CommitBatch,
  OnUpgrade,
  ProcessInfo,
  ReaderLease,
  SourceIdentity,
} from '../../engine/store.js';

/** Loaded on first use: a SQLite deployment never pays for the PostgreSQL driver. */
let driver: typeof pg | undefined;
const loadPg = (): typeof pg =>
  (driver ??= optionalPackage<typeof pg>('pg', 'A PostgreSQL DATABASE_URL'));

const TIMESTAMPTZ = 1184;
const INT8 = 20;

/** Times come back as the ISO strings the engine compares; counts and bigints as numbers. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    const pg = loadPg();
    if (oid === TIMESTAMPTZ) {
      const parse = pg.types.getTypeParser(TIMESTAMPTZ, 'text') as (v: string) => Date;
      return (value: string) => parse(value).toISOString();
    }
    if (oid === INT8) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
} as pg.CustomTypesConfig;

/** Errors that mean "no server to talk to" get a message naming the server and the setting. */
const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'ECONNRESET',
  'EAI_AGAIN',
  '57P03',
  '3D000',
  '28P01',
  '28000',
]);

/** How long connecting may take, answer included (pg's own messages say "timeout"). */
const CONNECT_TIMEOUT_MS = 10_000;
const CONNECT_TIMED_OUT = /connection timeout|timeout exceeded when trying to connect/;
/**
 * How long a session may sit idle inside a transaction before the server ends it. A process
 * frozen there (stopped, its VM paused, its host cut off) would hold the rows lock and every
 * other process's commits would wait for as long as it stays frozen; ended, its transaction rolls
 * back and they go on. Transactions here only run SQL, so they are never idle for long.
 */
const IDLE_IN_TRANSACTION_MS = 60_000;

export function explainConnectionError(url: string, error: unknown): unknown {
  const code = (error as { code?: string }).code;
  const timedOut = error instanceof Error && CONNECT_TIMED_OUT.test(error.message);
  if (!timedOut && (!code || !CONNECTION_ERRORS.has(code))) return error;
  const u = new URL(url);
  return new Error(
    `PostgreSQL at ${u.hostname}:${u.port || 5432}${u.pathname} is not usable (${(error as Error).message}). Check DATABASE_URL and that the server runs.`,
    { cause: error },
  );
}

/** A `SqlRunner` over one client (a transaction) or the pool (autocommit). */
class PgRunner implements SqlRunner {
  constructor(
    private readonly client: pg.Pool | pg.PoolClient,
    private readonly names: (sql: string) => string,
    protected readonly url: string,
    /** Where commits are merged into multi-row statements (null: run one by one). */
    protected readonly multiRow: MultiRowStatements | null,
  ) {}

  get mergesSteps(): boolean {
    return this.multiRow !== null;
  }

  private async query(plan: Plan, values: readonly unknown[] = []) {
    try {
      // Named: each connection parses and plans a statement shape once.
      return await this.client.query({
        name: this.names(plan.sql),
        text: plan.sql,
        // NUL and lone surrogates become U+FFFD: PostgreSQL's text and jsonb refuse them.
        values: storableValues(bind(plan, values), storableText) as unknown[],
      });
    } catch (error) {
      throw explainConnectionError(this.url, error);
    }
  }

  async run(plan: Plan, values?: readonly unknown[]): Promise<number> {
    return (await this.query(plan, values)).rowCount ?? 0;
  }

  async get<T>(plan: Plan, values?: readonly unknown[]): Promise<T | undefined> {
    return (await this.query(plan, values)).rows[0] as T | undefined;
  }

  async all<T>(plan: Plan, values?: readonly unknown[]): Promise<T[]> {
    return (await this.query(plan, values)).rows as T[];
  }

  /** For pg-boss: its statements in this transaction. */
  async executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> {
    return this.client.query(text, values);
  }

  /**
   * All of a commit's statements are sent at once (the pool's connections pipeline), so the
   * server runs one while the next is on its way. They still run in order; once one fails, the
   * transaction is aborted and the rest fail with it.
   */
  async runSteps(steps: Iterable<Step>): Promise<void> {
    const merged = this.multiRow ? mergeSteps(steps, this.multiRow) : steps;
    await Promise.all(Array.from(merged, (step) => this.query(step.plan, step.values)));
  }
}

class PostgresExecutor extends PgRunner implements SqlExecutor {
  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
    private readonly statementName: (sql: string) => string,
    url: string,
    multiRow: MultiRowStatements | null,
    private readonly migrations: readonly Migration[],
    /** Only read (`status`): migrations are checked, never run, and nothing is created. */
    private readonly readOnly = false,
  ) {
    super(pool, statementName, url, multiRow);
  }

  private readonly guarded = new WeakSet<pg.PoolClient>();

  private async connect(): Promise<pg.PoolClient> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw explainConnectionError(this.url, error);
    }
    // A checked-out client whose server goes away emits 'error'; unheard, that would end the
    // process. The query in flight fails as well, and that failure is what the caller handles.
    if (!this.guarded.has(client)) {
      client.on('error', () => {});
      this.guarded.add(client);
    }
    return client;
  }

  async transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const client = await this.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(new PgRunner(client, this.statementName, this.url, this.multiRow));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      // A failed rollback means the connection is gone: do not hand it out again.
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** Safe from several processes at once: one transaction under an advisory lock per schema. */
  async migrate(onUpgrade?: OnUpgrade): Promise<void> {
    const client = await this.connect();
    if (this.readOnly) {
      try {
        const { rows } = await client.query<{ found: string | null }>(
          'SELECT to_regclass($1) AS found',
          [`"${this.schema}".authsync_migrations`],
        );
        const applied = new Set<number>();
        if (rows[0]?.found)
          for (const r of (await client.query('SELECT version FROM authsync_migrations')).rows)
            applied.add((r as { version: number }).version);
        refuseNewerDatabase(applied, this.migrations);
        refuseMissingMigrations(
          applied,
          this.migrations,
          `run \`authsync migrate\` (the schema ${JSON.stringify(this.schema)}${applied.size ? '' : ' has no authsync tables'}).`,
        );
        return;
      } finally {
        client.release();
      }
    }
    try {
      await client.query('BEGIN');
      await client.query("SELECT pg_advisory_xact_lock(hashtext('authsync:migrate:' || $1))", [
        this.schema,
      ]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      await client.query(
        'CREATE TABLE IF NOT EXISTS authsync_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)',
      );
      const applied = new Set(
        (await client.query('SELECT version FROM authsync_migrations')).rows.map(
          (r: { version: number }) => r.version,
        ),
      );
      refuseNewerDatabase(applied, this.migrations);
      for (const m of this.migrations) {
        if (applied.has(m.version)) continue;
        if (applied.size > 0) onUpgrade?.(m);
        await client.query(m.sql);
        await client.query(
          'INSERT INTO authsync_migrations (version, name, applied_at) VALUES ($1, $2, now())',
          [m.version, m.name],
        );
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/**
 * The PostgreSQL store: the same tables as SQLite, in `schema` (default `public`), with
 * PostgreSQL's types. A small pool: one connection per transaction in flight.
 */
export class PostgresStore extends SqlStore {
  readonly pool: pg.Pool;

  constructor(
    readonly url: string,
    readonly schema = 'public',
    options: {
      /** The tables it holds and the migrations that make them (`src/schema`). */
      storeSchema: StoreSchema;
      /** The source it serves: its cursor, state, reader lease and work queue. */
      source: SourceIdentity;
      /** Merge a commit's statements into multi-row ones (tests compare with one by one). */
      mergeStatements?: boolean;
      jobExpireSeconds?: number;
      /** Tests shorten it (default `IDLE_IN_TRANSACTION_MS`). */
      idleInTransactionMs?: number;
      /** A reader that stops answering loses the role after this long (default 60,000 ms). */
      readerTimeoutMs?: number;
      /** For commands that only read (`status`): nothing is created or migrated. */
      readOnly?: boolean;
    },
  ) {
    if (!SCHEMA_PATTERN.test(schema))
      throw new Error(
        `The schema name ${JSON.stringify(schema)} must be lowercase letters, digits and _ (not starting with a digit).`,
      );
    const pool = new (loadPg().Pool)({
      connectionString: url,
      max: 4,
      types,
      // Custom plans: a generic plan made while the tables were empty would keep scanning them
      // whole as they grow (catch-up slowed down quadratically).
      options: `-c search_path=${schema} -c plan_cache_mode=force_custom_plan -c idle_in_transaction_session_timeout=${options.idleInTransactionMs ?? IDLE_IN_TRANSACTION_MS}`,
      application_name: 'authsync',
      // A server that takes the connection and never answers (a wrong port, a stalled proxy)
      // would otherwise hold every command forever; keepalives find a peer that vanished.
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
      // Send queries without waiting for the previous result (see runSteps).
      pipeline: true,
    });
    // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
    pool.on('error', () => {});
    const names = new Map<string, string>();
    const statementName = (sql: string) => {
      let name = names.get(sql);
      if (!name) {
        name = `authsync_${names.size}`;
        names.set(sql, name);
      }
      return name;
    };
    super(
      new PostgresExecutor(
        pool,
        schema,
        statementName,
        url,
        options.mergeStatements === false
          ? null
          : new MultiRowStatements(options.storeSchema.tables, options.source.orderedIds),
        options.storeSchema.migrations,
        options.readOnly,
      ),
      new Statements(postgresDialect, options.storeSchema.tables, options.source.orderedIds),
      options.source,
      { asArray: true },
    );
    this.pool = pool;
    this.jobExpireSeconds = options.jobExpireSeconds;
    this.readerTimeoutMs = options.readerTimeoutMs ?? 60_000;
    // Shorter, a reader busy for a moment would lose the role (and a heartbeat every few ms).
    if (!(this.readerTimeoutMs >= 1000))
      throw new Error(
        `readerTimeoutMs must be at least 1,000 ms (it was ${JSON.stringify(options.readerTimeoutMs)}).`,
      );
  }

  private readonly jobExpireSeconds: number | undefined;
  private readonly readerTimeoutMs: number;
  private queue: PgWorkQueue | null = null;

  /** The pg-boss queue that spreads applying over processes (created on first use). */
  workQueue(): PgWorkQueue {
    this.queue ??= new PgWorkQueue(this.url, this.schema, { expireSeconds: this.jobExpireSeconds });
    return this.queue;
  }

  /** A commit that sends or completes jobs does so in its own transaction. */
  override async commit(batch: CommitBatch): Promise<void> {
    if (!batch.enqueue?.length && !batch.completes?.length) return super.commit(batch);
    const queue = this.workQueue();
    const now = new Date().toISOString();
    await this.db.transaction(async (tx) => {
      await tx.runSteps(commitSteps(this.st, batch, this.source, now, tx.mergesSteps));
      const q = tx as unknown as QueueTransaction;
      if (batch.enqueue?.length) await queue.enqueue(batch.enqueue, q);
      if (batch.completes?.length) await queue.complete(batch.completes, q);
    });
  }

  private lease: PgReaderLease | null = null;

  /** The reader role is per source: each source in the schema has a reader of its own. */
  private get leaseName(): string {
    return `${this.schema}__${this.source.id}`;
  }

  /** This process, as other processes and `status` see it. */
  private get processName(): string {
    return `authsync:${this.schema}:${hostname()}:${process.pid}`;
  }

  readerLease(): ReaderLease {
    this.lease ??= new PgReaderLease(
      () =>
        new (loadPg().Client)({
          connectionString: this.url,
          types,
          options: `-c search_path=${this.schema}`,
          application_name: this.processName,
        }),
      this.pool,
      this.leaseName,
      this.readerTimeoutMs,
    );
    return this.lease;
  }

  async serverVersion(): Promise<{ name: string; version: number }> {
    const { rows } = await this.pool.query<{ v: string }>(
      "SELECT current_setting('server_version_num') AS v",
    );
    return { name: 'PostgreSQL', version: Number(rows[0]?.v) };
  }

  async processes(): Promise<ProcessInfo[]> {
    const { rows } = await this.pool.query<{ name: string; since: string; reader: boolean }>(
      `SELECT a.application_name AS name, a.backend_start AS since,
         EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'advisory' AND l.granted
           AND l.objid::bigint = (hashtext($1)::bigint & 4294967295)) AS reader
       FROM pg_stat_activity a
       WHERE a.datname = current_database() AND a.application_name LIKE $2
       ORDER BY a.backend_start`,
      [`authsync:reader:${this.leaseName}`, `authsync:${this.schema}:%`],
    );
    return rows;
  }

  override async close(): Promise<void> {
    await this.lease?.release();
    await this.queue?.stop();
    await super.close();
  }
}
