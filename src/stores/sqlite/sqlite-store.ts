import type { RowChange } from '../../engine/changes.js';
import type {
  Backlog,
  CommitBatch,
  Cursor,
  DeadLetter,
  InboxEvent,
  InboxStatus,
  OutboxItem,
  StoreStatus,
  SyncStore,
  TableRepairs,
} from '../../engine/store.js';
import { rowKey, TABLES, tableSpec } from '../../engine/tables.js';
import { openSqlite, type SqliteDriver, type SqliteStatement } from './driver.js';
import { MIGRATIONS } from './migrations.js';
import * as plans from './plans.js';

type Statement = SqliteStatement;

/**
 * The embedded default store: one SQLite file through better-sqlite3. WAL journal with
 * synchronous=NORMAL: a killed process never loses a committed transaction (a power cut may
 * lose the last few, never half of one).
 */
export class SqliteStore implements SyncStore {
  readonly db: SqliteDriver;
  private readonly statements = new Map<string, Statement>();
  /** Prepared statements by a short key of their shape, so the hot path builds no SQL text. */
  private readonly shaped = new Map<string, Statement>();
  private webhookQueue: {
    event: InboxEvent;
    receivedAt: string;
    resolve: (stored: boolean) => void;
    reject: (error: unknown) => void;
  }[] = [];

  constructor(readonly path: string) {
    this.db = openSqlite(path);
    this.db.exec('PRAGMA journal_mode = WAL');
    this.db.exec('PRAGMA synchronous = NORMAL');
    // Checkpoint (the only fsyncs in WAL + NORMAL) every ~40 MiB of WAL instead of every 4 MiB:
    // on catch-up, checkpoints were most of the time spent.
    this.db.exec('PRAGMA wal_autocheckpoint = 10000');
    this.db.exec('PRAGMA busy_timeout = 5000');
  }

  private shapedStatement(key: string, sql: () => string): Statement {
    let s = this.shaped.get(key);
    if (!s) {
      s = this.db.prepare(sql());
      this.shaped.set(key, s);
    }
    return s;
  }

  private statement(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  async migrate(): Promise<void> {
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS authsync_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    const applied = new Set(
      (
        this.db.prepare('SELECT version FROM authsync_migrations').all() as { version: number }[]
      ).map((r) => r.version),
    );
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      this.transaction(() => {
        this.db.exec(m.sql);
        this.db
          .prepare('INSERT INTO authsync_migrations (version, name, applied_at) VALUES (?, ?, ?)')
          .run(m.version, m.name, new Date().toISOString());
      });
    }
  }

  /** Runs `fn` in one write transaction (BEGIN IMMEDIATE: take the write lock up front). */
  private transaction(fn: () => void): void {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      fn();
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  async readCursor(): Promise<Cursor> {
    const row = this.statement(plans.selectCursor).get() as
      { after_id: string | null; range_start: string | null } | undefined;
    return { after: row?.after_id ?? null, rangeStart: row?.range_start ?? null };
  }

  async lastEventAt(): Promise<string | null> {
    const row = this.statement(plans.selectCursor).get() as
      { last_event_at: string | null } | undefined;
    return row?.last_event_at ?? null;
  }

  async knownEvents(ids: string[]): Promise<Set<string>> {
    const known = new Set<string>();
    if (ids.length === 0) return known;
    // One query per page: `IN (?, ?, ...)` with the page's ids (at most 100 from the API).
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const sql = `SELECT id FROM authsync_events WHERE id IN (${chunk.map(() => '?').join(', ')}) AND status != 'held'`;
      for (const r of this.statement(sql).all(...chunk) as { id: string }[]) known.add(r.id);
    }
    return known;
  }

  async blockedLanes(): Promise<Set<string>> {
    return new Set(
      (this.statement(plans.selectBlockedLanes).all() as { lane: string }[]).map((r) => r.lane),
    );
  }

  async pendingEvents(lane: string): Promise<InboxEvent[]> {
    return (this.statement(plans.selectPendingInLane).all(lane) as InboxRow[]).map(fromInboxRow);
  }

  async inboxEvent(id: string): Promise<(InboxEvent & { status: InboxStatus }) | undefined> {
    const row = this.statement(plans.selectInboxEvent).get(id) as
      (InboxRow & { status: InboxStatus }) | undefined;
    return row ? { ...fromInboxRow(row), status: row.status } : undefined;
  }

  async commit(batch: CommitBatch): Promise<void> {
    this.transaction(() => this.commitSync(batch));
  }

  private commitSync(batch: CommitBatch): void {
    const now = new Date().toISOString();
    const insertEvent = this.statement(plans.insertInboxEvent);
    for (const { event, status, source } of batch.received) {
      insertEvent.run(
        event.id,
        event.type,
        event.lane,
        event.createdAt,
        status,
        source,
        now,
        // Applied events need no body kept (replay re-reads the API); waiting and dead ones do.
        status === 'applied' ? '' : event.json,
        source === 'webhook' ? 0 : 1,
      );
    }
    for (const id of batch.seenByApi ?? []) this.statement(plans.markSeenByApi).run(id);
    for (const { eventId, status } of batch.statusChanges ?? [])
      this.statement(plans.setInboxStatus).run(status, eventId);
    for (const change of batch.changes) this.apply(change);
    for (const d of batch.deadLetters ?? [])
      this.statement(plans.insertDeadLetter).run(d.eventId, d.eventId, d.lane, d.error, now);
    for (const id of batch.resolvedDeadLetters ?? [])
      this.statement(plans.deleteDeadLetter).run(id);
    for (const o of batch.outbox ?? [])
      this.statement(plans.insertOutbox).run(o.eventId, o.type, o.json);
    if (batch.cursor) {
      this.statement(plans.upsertCursor).run(
        batch.cursor.after,
        batch.cursor.rangeStart,
        batch.lastEventAt ?? null,
        now,
      );
    } else if (batch.lastEventAt) {
      this.statement(plans.updateLastEventAt).run(batch.lastEventAt);
    }
  }

  /**
   * Deliveries that arrive together are committed together (group commit): each caller still
   * hears back only after the transaction holding its event has committed.
   */
  storeWebhookEvent(event: InboxEvent, receivedAt: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.webhookQueue.push({ event, receivedAt, resolve, reject });
      if (this.webhookQueue.length === 1) setImmediate(() => this.flushWebhookQueue());
    });
  }

  private flushWebhookQueue(): void {
    const queue = this.webhookQueue;
    this.webhookQueue = [];
    const stored: boolean[] = [];
    try {
      this.transaction(() => {
        for (const { event, receivedAt } of queue) {
          const row = this.statement(plans.selectWebhookSeen).get(event.id) as
            { webhook_at: string | null } | undefined;
          stored.push(!row?.webhook_at);
          if (row?.webhook_at) continue;
          this.statement(plans.insertHeldEvent).run(
            event.id,
            event.type,
            event.lane,
            event.createdAt,
            receivedAt,
            event.json,
            receivedAt,
          );
        }
      });
    } catch (error) {
      for (const item of queue) item.reject(error);
      return;
    }
    queue.forEach((item, i) => item.resolve(stored[i]!));
  }

  async heldEvents(receivedBefore: string, limit: number): Promise<InboxEvent[]> {
    return (this.statement(plans.selectHeld).all(receivedBefore, limit) as InboxRow[]).map(
      fromInboxRow,
    );
  }

  async backlog(): Promise<Backlog> {
    const backlog: Backlog = { pending: 0, dead: 0, held: 0 };
    for (const r of this.statement(plans.countBacklog).all() as {
      status: keyof Backlog;
      n: number;
    }[])
      backlog[r.status] = r.n;
    return backlog;
  }

  async sourceGaps(
    from: string,
    to: string,
  ): Promise<{ webhookOnly: number; apiOnly: number; viaWebhook: number }> {
    const r = this.statement(plans.countSourceGaps).get(from, to) as {
      webhook_only: number;
      api_only: number;
      via_webhook: number;
    };
    return { webhookOnly: r.webhook_only, apiOnly: r.api_only, viaWebhook: r.via_webhook };
  }

  async reconcileStart(): Promise<void> {
    this.db.exec(plans.createReconcileSeen);
    this.db.exec(plans.clearReconcileSeen);
  }

  async reconcilePage(changes: RowChange[]): Promise<Record<string, TableRepairs>> {
    const repairs: Record<string, TableRepairs> = {};
    this.transaction(() => {
      for (const change of changes) {
        if (change.op !== 'upsert') continue;
        const t = tableSpec(change.table);
        const keyValues = t.key.map((k) => change.row[k] ?? null);
        this.statement(plans.insertReconcileSeen).run(t.name, rowKey(t, change.row));
        const before = this.shapedStatement(`updated_at|${t.name}`, () =>
          plans.selectUpdatedAt(t.name),
        ).get(...keyValues) as { updated_at: string } | undefined;
        if (before && before.updated_at >= change.updatedAt) continue;
        const written = this.apply(change);
        if (!written) continue; // a tombstone says it was deleted since: not ours to undo
        repairs[t.name] ??= { missing: 0, stale: 0, deleted: 0 };
        repairs[t.name]![before ? 'stale' : 'missing']++;
      }
    });
    return repairs;
  }

  async reconcileFinish(tables: string[], before: string): Promise<Record<string, number>> {
    const deleted: Record<string, number> = {};
    for (const table of tables) {
      const keys = (this.statement(plans.selectUnseen(table)).all(before) as { key: string }[]).map(
        (r) => r.key,
      );
      // In transactions of bounded size, so a large cleanup never holds the write lock long.
      for (let i = 0; i < keys.length; i += 500) {
        this.transaction(() => {
          for (const key of keys.slice(i, i + 500))
            this.apply({ op: 'delete', table, key, at: before });
        });
      }
      if (keys.length > 0) deleted[table] = keys.length;
    }
    return deleted;
  }

  /** Applies one row change; returns whether an upsert wrote its row. */
  private apply(change: RowChange): boolean {
    switch (change.op) {
      case 'upsert': {
        const t = tableSpec(change.table);
        const parents = change.parents ?? [];
        const keep = change.keepIfNull ?? [];
        const statement = this.shapedStatement(
          `upsert|${change.table}|${parents.length}|${keep.join(',')}`,
          () => plans.upsertRow(change.table, parents.length, keep),
        );
        const params: unknown[] = t.columns.map((c) => change.row[c] ?? null);
        params.push(
          t.name,
          t.key.map((k) => String(change.row[k] ?? '')).join('/'),
          change.updatedAt,
        );
        for (const p of parents) params.push(p.table, p.key, change.updatedAt);
        return Number(statement.run(...params).changes) > 0;
      }
      case 'delete': {
        this.shapedStatement(`delete|${change.table}`, () => plans.deleteRow(change.table)).run(
          ...change.key.split('/'),
          change.at,
        );
        this.statement(plans.recordTombstone).run(change.table, change.key, change.at);
        return true;
      }
      case 'deleteWhere': {
        this.statement(plans.tombstoneWhere(change.table, change.column)).run(
          change.at,
          change.value,
          change.at,
        );
        this.statement(plans.deleteWhere(change.table, change.column)).run(change.value, change.at);
        return true;
      }
      case 'append': {
        const t = tableSpec(change.table);
        this.statement(plans.appendRow(change.table)).run(
          ...t.columns.map((c) => change.row[c] ?? null),
        );
        return true;
      }
    }
  }

  async deadLetters(): Promise<DeadLetter[]> {
    return (
      this.statement(plans.selectDeadLetters).all() as {
        event_id: string;
        type: string;
        lane: string;
        error: string;
        failed_at: string;
        attempts: number;
      }[]
    ).map((r) => ({
      eventId: r.event_id,
      type: r.type,
      lane: r.lane,
      error: r.error,
      failedAt: r.failed_at,
      attempts: r.attempts,
    }));
  }

  async outboxDue(limit: number, nowMs: number): Promise<OutboxItem[]> {
    return (
      this.statement(plans.selectOutboxDue).all(nowMs, limit) as {
        event_id: string;
        type: string;
        data: string;
        attempts: number;
      }[]
    ).map((r) => ({
      eventId: r.event_id,
      type: r.type,
      json: r.data,
      attempts: r.attempts,
    }));
  }

  async outboxDone(eventId: string): Promise<void> {
    this.statement(plans.markOutboxDone).run(eventId);
  }

  async outboxFailed(eventId: string, error: string, retryAtMs: number): Promise<void> {
    this.statement(plans.markOutboxFailed).run(error, retryAtMs, eventId);
  }

  async setState(key: string, value: string | null): Promise<void> {
    if (value === null) this.statement('DELETE FROM authsync_state WHERE key = ?').run(key);
    else
      this.statement(
        'INSERT INTO authsync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ).run(key, value);
  }

  async getState(key: string): Promise<string | null> {
    const row = this.statement('SELECT value FROM authsync_state WHERE key = ?').get(key) as
      { value: string } | undefined;
    return row?.value ?? null;
  }

  async status(): Promise<StoreStatus> {
    const rows: Record<string, number> = {};
    for (const name of Object.keys(TABLES)) {
      rows[name] = (this.statement(`SELECT COUNT(*) AS n FROM ${name}`).get() as { n: number }).n;
    }
    const inbox: Record<string, number> = {};
    for (const r of this.statement(
      'SELECT status, COUNT(*) AS n FROM authsync_events GROUP BY status',
    ).all() as { status: string; n: number }[]) {
      inbox[r.status] = r.n;
    }
    const cursorRow = this.statement(plans.selectCursor).get() as
      | { after_id: string | null; range_start: string | null; last_event_at: string | null }
      | undefined;
    const state: Record<string, string> = {};
    for (const r of this.statement('SELECT key, value FROM authsync_state').all() as {
      key: string;
      value: string;
    }[])
      state[r.key] = r.value;
    return {
      cursor: { after: cursorRow?.after_id ?? null, rangeStart: cursorRow?.range_start ?? null },
      lastEventAt: cursorRow?.last_event_at ?? null,
      rows,
      inbox,
      deadLetters: (
        this.statement('SELECT COUNT(*) AS n FROM authsync_dead_letters').get() as { n: number }
      ).n,
      outboxPending: (
        this.statement('SELECT COUNT(*) AS n FROM authsync_outbox WHERE done = 0').get() as {
          n: number;
        }
      ).n,
      state,
    };
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

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
