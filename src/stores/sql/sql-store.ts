import type { RowChange } from '../../engine/changes.js';
import type {
  Backlog,
  CommitBatch,
  Cursor,
  DeadLetter,
  InboxEvent,
  InboxStatus,
  LaneBacklog,
  OnUpgrade,
  SourceIdentity,
  StoreStatus,
  SyncStore,
  TableRepairs,
} from '../../engine/store.js';
import { rowKey } from '../../engine/tables.js';
import { changeSteps, commitSteps, type Step } from './commit-steps.js';
import { SqlDeliveries } from './sql-deliveries.js';
import type { Plan } from './plan.js';
import { tieColumns, timelessColumns, type Statements } from './statements.js';

/** Runs compiled statements on one connection (or inside one transaction). */
export interface SqlRunner {
  /** Returns the number of rows changed. */
  run(plan: Plan, values?: readonly unknown[]): Promise<number>;
  get<T>(plan: Plan, values?: readonly unknown[]): Promise<T | undefined>;
  all<T>(plan: Plan, values?: readonly unknown[]): Promise<T[]>;
  /** Runs steps in order (a store may do so without a round trip each). */
  runSteps(steps: Iterable<Step>): Promise<void>;
  /** `runSteps` merges steps by their shapes (PostgreSQL): give it steps with shapes. */
  readonly mergesSteps?: boolean;
}

/** A database connection (or pool) for `SqlStore`. */
export interface SqlExecutor extends SqlRunner {
  /** Runs `fn` in one write transaction; transactions never interleave. */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  migrate(onUpgrade?: OnUpgrade): Promise<void>;
  close(): Promise<void>;
}

/**
 * The `SyncStore` port for SQL databases: the same statements (compiled per dialect) and the
 * same commit order everywhere; only the executor differs (better-sqlite3 / node:sqlite,
 * node-postgres).
 */
export class SqlStore implements SyncStore {
  private webhookQueue: {
    event: InboxEvent;
    receivedAt: string;
    resolve: (stored: boolean) => void;
    reject: (error: unknown) => void;
  }[] = [];

  constructor(
    protected readonly db: SqlExecutor,
    protected readonly st: Statements,
    /** The source this store serves: its cursor row, its state keys. */
    readonly source: SourceIdentity,
    private readonly options: {
      /** Most values in one `IN (...)` list (D1 binds at most 100 per statement). */
      maxInList?: number;
      /** Send a list of ids as one array value (PostgreSQL): one statement shape, one round trip. */
      asArray?: boolean;
    } = {},
  ) {}

  /** A query over a list of event ids: one array value, or `IN` lists of at most `maxInList`. */
  private async allByIds<T>(ids: string[], plan: (count: number | 'array') => Plan): Promise<T[]> {
    const out: T[] = [];
    await this.byIds(ids, plan, async (p, values) => {
      out.push(...(await this.db.all<T>(p, values)));
    });
    return out;
  }

  private async byIds(
    ids: string[],
    plan: (count: number | 'array') => Plan,
    exec: (plan: Plan, values: unknown[]) => Promise<unknown>,
  ): Promise<void> {
    if (ids.length === 0) return;
    if (this.options.asArray) {
      await exec(plan('array'), [ids]);
      return;
    }
    const max = this.options.maxInList ?? 500;
    for (let i = 0; i < ids.length; i += max) {
      const chunk = ids.slice(i, i + max);
      await exec(plan(chunk.length), chunk);
    }
  }

  private deliveryStore: SqlDeliveries | null = null;

  deliveries(): SqlDeliveries {
    return (this.deliveryStore ??= new SqlDeliveries(this.db, this.st, this.options));
  }

  migrate(onUpgrade?: OnUpgrade): Promise<void> {
    return this.db.migrate(onUpgrade);
  }

  async readCursor(): Promise<Cursor> {
    const row = await this.db.get<{ after_id: string | null; range_start: string | null }>(
      this.st.selectCursor(),
      [this.source.id],
    );
    return { after: row?.after_id ?? null, rangeStart: row?.range_start ?? null };
  }

  async lastEventAt(): Promise<string | null> {
    const row = await this.db.get<{ last_event_at: string | null }>(this.st.selectCursor(), [
      this.source.id,
    ]);
    return row?.last_event_at ?? null;
  }

  async knownEvents(ids: string[]): Promise<Set<string>> {
    const rows = await this.allByIds<{ id: string }>(ids, (n) => this.st.selectKnown(n));
    return new Set(rows.map((r) => r.id));
  }

  async blockedLanes(): Promise<Set<string>> {
    const rows = await this.db.all<{ lane: string }>(this.st.selectBlockedLanes());
    return new Set(rows.map((r) => r.lane));
  }

  async pendingEvents(lane: string): Promise<InboxEvent[]> {
    return (await this.db.all<InboxRow>(this.st.selectPendingInLane(), [lane])).map(fromInboxRow);
  }

  async queuedEvents(ids: string[]): Promise<InboxEvent[]> {
    const rows = await this.allByIds<InboxRow>(ids, (n) => this.st.selectQueued(n));
    // Stream order across chunks too.
    return rows.map(fromInboxRow).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async inboxEvent(id: string): Promise<(InboxEvent & { status: InboxStatus }) | undefined> {
    const row = await this.db.get<InboxRow & { status: InboxStatus }>(this.st.selectInboxEvent(), [
      id,
    ]);
    return row ? { ...fromInboxRow(row), status: row.status } : undefined;
  }

  async commit(batch: CommitBatch): Promise<void> {
    const now = new Date().toISOString();
    await this.db.transaction((tx) =>
      tx.runSteps(commitSteps(this.st, batch, this.source, now, tx.mergesSteps)),
    );
  }

  /**
   * Deliveries that arrive together are committed together (group commit): each caller still
   * hears back only after the transaction holding its event has committed.
   */
  storeWebhookEvent(event: InboxEvent, receivedAt: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.webhookQueue.push({ event, receivedAt, resolve, reject });
      if (this.webhookQueue.length === 1) nextTurn(() => void this.flushWebhookQueue());
    });
  }

  private async flushWebhookQueue(): Promise<void> {
    const queue = this.webhookQueue;
    this.webhookQueue = [];
    let stored: boolean[];
    try {
      stored = await this.db.transaction(async (tx) => {
        const out: boolean[] = [];
        for (const { event, receivedAt } of queue) {
          const first = await tx.all(this.st.insertHeldEvent(), [
            event.id,
            event.type,
            event.lane,
            event.createdAt,
            receivedAt,
            event.json,
            this.st.orderedIds ? event.id : null,
            this.source.id,
          ]);
          out.push(first.length > 0);
        }
        return out;
      });
    } catch (error) {
      for (const item of queue) item.reject(error);
      return;
    }
    queue.forEach((item, i) => item.resolve(stored[i]!));
  }

  async heldEvents(receivedBefore: string, limit: number): Promise<InboxEvent[]> {
    return (
      await this.db.all<InboxRow>(this.st.selectHeld(), [receivedBefore, limit, this.source.id])
    ).map(fromInboxRow);
  }

  async backlog(): Promise<Backlog> {
    const backlog: Backlog = { pending: 0, dead: 0, held: 0 };
    for (const r of await this.db.all<{ status: keyof Backlog; n: number }>(
      this.st.countBacklog(),
      [this.source.id],
    ))
      backlog[r.status] = Number(r.n);
    return backlog;
  }

  async sourceGaps(
    from: string,
    to: string,
  ): Promise<{ webhookOnly: number; apiOnly: number; viaWebhook: number }> {
    const r = (await this.db.get<{ webhook_only: number; api_only: number; via_webhook: number }>(
      this.st.countSourceGaps(),
      [from, to, this.source.id],
    ))!;
    return {
      webhookOnly: Number(r.webhook_only),
      apiOnly: Number(r.api_only),
      viaWebhook: Number(r.via_webhook),
    };
  }

  async reconcileStart(tables: string[]): Promise<void> {
    // Only these tables': another source may be reconciling its own at the same time.
    for (const table of tables) await this.db.run(this.st.clearReconcileSeen(), [table]);
  }

  async reconcilePage(changes: RowChange[]): Promise<Record<string, TableRepairs>> {
    const repairs: Record<string, TableRepairs> = {};
    const lock = this.st.rowsLock();
    await this.db.transaction(async (tx) => {
      if (lock) await tx.get(lock, [this.source.provider]);
      for (const change of changes) {
        if (change.op !== 'upsert') continue;
        const t = this.st.tables.spec(change.table);
        await tx.run(this.st.insertReconcileSeen(), [t.name, rowKey(t, change.row)]);
        const before = await tx.get<{ updated_at: string }>(
          this.st.selectUpdatedAt(t.name),
          t.key.map((k) => change.row[k] ?? null),
        );
        if (before && change.timeless) {
          const values = [
            ...timelessColumns(t).map((c) => change.row[c] ?? null),
            ...t.key.map((k) => change.row[k] ?? null),
            change.updatedAt,
          ];
          if ((await tx.run(this.st.repairTimeless(t.name), values)) > 0) {
            repairs[t.name] ??= { missing: 0, stale: 0, deleted: 0 };
            repairs[t.name]!.stale++;
          }
          continue;
        }
        if (before && before.updated_at > change.updatedAt) continue;
        if (before && before.updated_at === change.updatedAt) {
          // Same updated_at, but the provider may have changed the object without touching it
          // (a derived list, a sign-in): the listing's content wins where it differs.
          const values = [
            ...tieColumns(t).map((c) => change.row[c] ?? null),
            ...t.key.map((k) => change.row[k] ?? null),
            change.updatedAt,
          ];
          if ((await tx.run(this.st.repairTie(t.name), values)) > 0) {
            repairs[t.name] ??= { missing: 0, stale: 0, deleted: 0 };
            repairs[t.name]!.stale++;
          }
          continue;
        }
        const write = changeSteps(this.st, change).next().value as Step;
        // Nothing written: a tombstone says it was deleted since, not ours to undo.
        if ((await tx.run(write.plan, write.values)) === 0) continue;
        repairs[t.name] ??= { missing: 0, stale: 0, deleted: 0 };
        repairs[t.name]![before ? 'stale' : 'missing']++;
      }
    });
    return repairs;
  }

  async reconcileFinish(tables: string[], before: string): Promise<Record<string, number>> {
    const deleted: Record<string, number> = {};
    const lock = this.st.rowsLock();
    for (const table of tables) {
      const keys = (await this.db.all<{ key: string }>(this.st.selectUnseen(table), [before])).map(
        (r) => r.key,
      );
      // In transactions of bounded size, so a large cleanup never holds the write lock long.
      for (let i = 0; i < keys.length; i += 500) {
        await this.db.transaction(async (tx) => {
          const deletions = keys
            .slice(i, i + 500)
            .flatMap((key) => [
              ...changeSteps(this.st, { op: 'delete', table, key, at: before }, tx.mergesSteps),
            ]);
          // The lock first, in the same round trip as the deletions.
          await tx.runSteps(
            lock ? [{ plan: lock, values: [this.source.provider] }, ...deletions] : deletions,
          );
        });
      }
      if (keys.length > 0) deleted[table] = keys.length;
    }
    return deleted;
  }

  async deadLetters(): Promise<DeadLetter[]> {
    const rows = await this.db.all<{
      event_id: string;
      type: string;
      lane: string;
      error: string;
      failed_at: string;
      attempts: number;
    }>(this.st.selectDeadLetters(), [this.source.id]);
    return rows.map((r) => ({
      eventId: r.event_id,
      type: r.type,
      lane: r.lane,
      error: r.error,
      failedAt: r.failed_at,
      attempts: Number(r.attempts),
    }));
  }

  /** This source's keys are stored as `<source id>/<key>`. */
  private get statePrefix(): string {
    return `${this.source.id}/`;
  }

  async setState(key: string, value: string | null): Promise<void> {
    const stored = this.statePrefix + key;
    if (value === null) await this.db.run(this.st.deleteState(), [stored]);
    else await this.db.run(this.st.upsertState(), [stored, value]);
  }

  async getState(key: string): Promise<string | null> {
    const row = await this.db.get<{ value: string }>(this.st.selectState(), [
      this.statePrefix + key,
    ]);
    return row?.value ?? null;
  }

  async sources(): Promise<Pick<SourceIdentity, 'id' | 'provider'>[]> {
    const rows = await this.db.all<{ name: string; provider: string | null }>(
      this.st.selectSources(),
    );
    return rows.map((r) => ({ id: r.name, provider: r.provider ?? '' }));
  }

  async status(): Promise<StoreStatus> {
    const rows: Record<string, number> = {};
    for (const name of this.st.tables.names())
      rows[name] = Number((await this.db.get<{ n: number }>(this.st.countRows(name)))!.n);
    const inbox: Record<string, number> = {};
    for (const r of await this.db.all<{ status: string; n: number }>(this.st.countInboxByStatus(), [
      this.source.id,
    ]))
      inbox[r.status] = Number(r.n);
    const cursor = await this.db.get<{
      after_id: string | null;
      range_start: string | null;
      last_event_at: string | null;
    }>(this.st.selectCursor(), [this.source.id]);
    const state: Record<string, string> = {};
    for (const r of await this.db.all<{ key: string; value: string }>(this.st.selectAllState()))
      if (r.key.startsWith(this.statePrefix)) state[r.key.slice(this.statePrefix.length)] = r.value;
    return {
      cursor: { after: cursor?.after_id ?? null, rangeStart: cursor?.range_start ?? null },
      lastEventAt: cursor?.last_event_at ?? null,
      rows,
      inbox,
      deadLetters: Number(
        (await this.db.get<{ n: number }>(this.st.countDeadLetters(), [this.source.id]))!.n,
      ),
      state,
    };
  }

  async laneBacklog(limit: number): Promise<LaneBacklog[]> {
    const rows = await this.db.all<{ lane: string; waiting: number; queued: number }>(
      this.st.selectLaneBacklog(),
      [limit, this.source.id],
    );
    return rows.map((r) => ({
      lane: r.lane,
      waiting: Number(r.waiting),
      queued: Number(r.queued),
    }));
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/** After the I/O callbacks already queued (deliveries arriving together); workerd has no setImmediate. */
const nextTurn: (fn: () => void) => void =
  typeof setImmediate === 'function' ? setImmediate : (fn) => setTimeout(fn, 0);

interface InboxRow {
  id: string;
  type: string;
  lane: string;
  created_at: string;
  data: string;
}

const fromInboxRow = (r: InboxRow): InboxEvent => ({
  id: r.id,
  type: r.type,
  lane: r.lane,
  createdAt: r.created_at,
  json: r.data,
});
