import { sql, type RawBuilder } from 'kysely';
import type { TableCatalog, TableSpec } from '../../engine/tables.js';
import type { SqlDialect } from './dialect.js';
import { compilePlan, param, type Plan } from './plan.js';

/**
 * Every statement the SQL stores run, written once with Kysely and compiled per dialect. Values
 * are always bound parameters; table and column names come only from the catalog the store is given, never from input.
 * Each method returns the compiled plan of one statement shape (compiled on first use); the
 * comment above it lists the values it takes, in order.
 */
export class Statements {
  private readonly cache = new Map<string, Plan>();

  constructor(
    readonly dialect: SqlDialect,
    readonly tables: TableCatalog,
    /** The source's ids sort in stream order: an event's id is its position (see `positionOf`). */
    readonly orderedIds: boolean,
  ) {}

  protected plan(key: string, build: () => RawBuilder<unknown>): Plan {
    let plan = this.cache.get(key);
    if (!plan) {
      const raw = build();
      plan = compilePlan({ compile: () => raw.compile(this.dialect.db) });
      this.cache.set(key, plan);
    }
    return plan;
  }

  private readonly byTable = new Map<string, Map<string, Plan>>();
  /** Plans asked for once per event, kept where no builder closure is made to find them. */
  private inboxPlan: Plan | undefined;
  private tombstonePlan: Plan | undefined;

  /**
   * `plan` for the statements run per row, looked up by (kind, table) without building a key:
   * a catch-up asks for one per row change, hundreds of thousands of times.
   */
  private tablePlan(kind: string, table: string, build: () => RawBuilder<unknown>): Plan {
    let plans = this.byTable.get(kind);
    if (!plans) this.byTable.set(kind, (plans = new Map()));
    let plan = plans.get(table);
    if (!plan) plans.set(table, (plan = this.plan(`${kind}|${table}`, build)));
    return plan;
  }

  /** A plan `tablePlan` has made; looked up first so that no builder closure is made per row. */
  private madeTablePlan(kind: string, table: string): Plan | undefined {
    return this.byTable.get(kind)?.get(table);
  }

  private tombstoneGuard(first: number, eventId: RawBuilder<unknown>): RawBuilder<unknown> {
    return this.guard(
      sql`${param(first)}`,
      sql`${param(first + 1)}`,
      this.dialect.typed(param(first + 2), 'time'),
      eventId,
    );
  }

  /**
   * An event's stream position as the inbox keeps it (text, compared as text: its id where the
   * provider's ids sort in stream order, else the engine's number); '' for no event (a write from the first import or
   * reconciliation comes first). Ids are opaque: their shape never orders anything. Read only
   * for ties of time, which are rare.
   */
  positionOf(eventId: RawBuilder<unknown>): RawBuilder<unknown> {
    // Where ids are positions, no lookup: the subquery cost PostgreSQL ~40% of its catch-up rate.
    if (this.orderedIds) return sql`COALESCE(${eventId}, '')`;
    return sql`COALESCE((SELECT position FROM authsync_events WHERE id = ${eventId}), '')`;
  }

  /**
   * Whether a write at (`time`, `eventId`) comes at or before one at (`otherTime`, `otherId`):
   * by time, and within one millisecond by the events' positions in the stream.
   */
  notAfter(
    time: RawBuilder<unknown>,
    eventId: RawBuilder<unknown>,
    otherTime: RawBuilder<unknown>,
    otherId: RawBuilder<unknown>,
  ): RawBuilder<unknown> {
    return sql`(${time} < ${otherTime} OR (${time} = ${otherTime} AND ${this.positionOf(eventId)} <= ${this.positionOf(otherId)}))`;
  }

  /** No tombstone of (table, key) at or after the write at (`at`, `eventId`). */
  guard(
    table: RawBuilder<unknown>,
    key: RawBuilder<unknown>,
    at: RawBuilder<unknown>,
    eventId: RawBuilder<unknown>,
  ): RawBuilder<unknown> {
    return sql`NOT EXISTS (SELECT 1 FROM authsync_tombstones WHERE table_name = ${table} AND ${sql.ref('key')} = ${key} AND ${this.notAfter(at, eventId, sql.ref('deleted_at'), sql.ref('event_id'))})`;
  }

  /** On a tombstone conflict: keep the later deletion (time, then event id). */
  protected tombstoneConflict(): RawBuilder<unknown> {
    const mine = (c: string) => sql.ref(`authsync_tombstones.${c}`);
    const theirs = (c: string) => sql.ref(`excluded.${c}`);
    return sql`ON CONFLICT (table_name, ${sql.ref('key')}) DO UPDATE SET deleted_at = ${theirs('deleted_at')}, event_id = ${theirs('event_id')} WHERE NOT ${this.notAfter(theirs('deleted_at'), theirs('event_id'), mine('deleted_at'), mine('event_id'))}`;
  }

  /**
   * The end of every upsert: on conflict, take the new values unless the stored row is newer
   * (ties: the event later in the stream wins; `keepIfNull` columns keep the stored value over
   * a null).
   */
  upsertConflict(table: string, keepIfNull: readonly string[]): RawBuilder<unknown> {
    const t = this.tables.spec(table);
    const sets = t.columns
      .filter((c) => !t.key.includes(c))
      .map((c) =>
        keepIfNull.includes(c)
          ? sql`${sql.ref(c)} = COALESCE(${sql.ref(`excluded.${c}`)}, ${sql.ref(`${t.name}.${c}`)})`
          : sql`${sql.ref(c)} = ${sql.ref(`excluded.${c}`)}`,
      );
    const mine = (c: string) => sql.ref(`${t.name}.${c}`);
    const theirs = (c: string) => sql.ref(`excluded.${c}`);
    return sql`ON CONFLICT (${sql.join(t.key.map((k) => sql.ref(k)))}) DO UPDATE SET ${sql.join(sets)} WHERE ${theirs('updated_at')} > ${mine('updated_at')} OR (${theirs('updated_at')} = ${mine('updated_at')} AND ${this.positionOf(theirs('last_event_id'))} >= ${this.positionOf(mine('last_event_id'))})`;
  }

  protected keyExpression(table: string, alias?: string): RawBuilder<unknown> {
    const t = this.tables.spec(table);
    return sql.join(
      t.key.map((k) => sql.ref(alias ? `${alias}.${k}` : k)),
      sql` || '/' || `,
    );
  }

  /**
   * Insert or update a row unless it, or a parent, was deleted at or after its `updated_at`,
   * and only if it is not older than the stored row. Two versions with the same `updated_at`
   * (two changes in one millisecond) are ordered by the stream position of the event that wrote
   * them (`positionOf`); a row from the first import (no event id) loses such ties.
   * Values: the row's columns in table order, then (table, key, updated_at) for the row and
   * for each parent.
   */
  upsertRow(table: string, parentCount: number, keepIfNull: readonly string[]): Plan {
    const kind =
      keepIfNull.length === 0
        ? (UPSERT_KINDS[parentCount] ?? `upsert${parentCount}`)
        : `upsert${parentCount}|${keepIfNull.join(',')}`;
    return (
      this.madeTablePlan(kind, table) ??
      this.tablePlan(kind, table, () => {
        const t = this.tables.spec(table);
        const n = t.columns.length;
        const e = t.columns.indexOf('last_event_id');
        const eventId = e < 0 ? sql`NULL` : sql`${param(e)}`;
        const guards = Array.from({ length: parentCount + 1 }, (_, i) =>
          this.tombstoneGuard(n + 3 * i, eventId),
        );
        return sql`INSERT INTO ${sql.table(t.name)} (${sql.join(t.columns.map((c) => sql.ref(c)))}) SELECT ${sql.join(
          t.columns.map(
            (c, i) => sql`${this.dialect.typed(param(i), t.types[c]!)} AS ${sql.ref(c)}`,
          ),
        )} WHERE ${sql.join(guards, sql` AND `)} ${this.upsertConflict(table, keepIfNull)}`;
      })
    );
  }

  /**
   * Delete one row by key, unless it was (re)written after the deletion.
   * Values: key columns, at, event id.
   */
  deleteRow(table: string): Plan {
    return (
      this.madeTablePlan('delete', table) ??
      this.tablePlan('delete', table, () => {
        const t = this.tables.spec(table);
        const where = t.key.map((k, i) => sql`${sql.ref(k)} = ${param(i)}`);
        const at = this.dialect.typed(param(t.key.length), 'time');
        return sql`DELETE FROM ${sql.table(t.name)} WHERE ${sql.join(where, sql` AND `)} AND ${this.notAfter(sql.ref('updated_at'), sql.ref('last_event_id'), at, sql`${param(t.key.length + 1)}`)}`;
      })
    );
  }

  /**
   * A `ListEdit`. Values: key, value, and for an add with `whileRow`, that row's key.
   */
  editList(edit: 'add' | 'remove', table: string, column: string, whileTable: string | null): Plan {
    return this.plan(`list|${edit}|${table}|${column}|${whileTable ?? ''}`, () => {
      const t = this.tables.spec(table);
      if (t.key.length !== 1) throw new Error(`${table}: a list edit needs a one-column key`);
      const list = sql.ref(column);
      const value = sql`${param(1)}`;
      const row = sql`${sql.ref(t.key[0]!)} = ${param(0)}`;
      if (edit === 'remove')
        return sql`UPDATE ${sql.table(t.name)} SET ${list} = ${this.dialect.listRemove(list, value)} WHERE ${row} AND ${this.dialect.listHas(list, value)}`;
      const parent = whileTable
        ? sql` AND EXISTS (SELECT 1 FROM ${sql.table(whileTable)} WHERE ${sql.ref(this.tables.spec(whileTable).key[0]!)} = ${param(2)})`
        : sql``;
      return sql`UPDATE ${sql.table(t.name)} SET ${list} = ${this.dialect.listAdd(list, value)} WHERE ${row} AND NOT ${this.dialect.listHas(list, value)}${parent}`;
    });
  }

  /**
   * Reconciliation: a row whose `updated_at` equals the listing's but whose content differs (a
   * provider change that left `updated_at` alone) takes the listing's values. Values: the
   * columns of `tieColumns`, then the key columns, then updated_at.
   */
  repairTie(table: string): Plan {
    return this.tablePlan('repairTie', table, () => {
      const t = this.tables.spec(table);
      const columns = tieColumns(t);
      const where = t.key.map((k, i) => sql`${sql.ref(k)} = ${param(columns.length + i)}`);
      const at = this.dialect.typed(param(columns.length + t.key.length), 'time');
      const differs = columns.map(
        (c, i) =>
          sql`NOT (${this.dialect.same(sql.ref(c), this.dialect.typed(param(i), t.types[c]!))})`,
      );
      return sql`UPDATE ${sql.table(t.name)} SET ${sql.join(
        columns.map((c, i) => sql`${sql.ref(c)} = ${this.dialect.typed(param(i), t.types[c]!)}`),
      )} WHERE ${sql.join(where, sql` AND `)} AND updated_at = ${at} AND (${sql.join(differs, sql` OR `)})`;
    });
  }

  /** A `Stamp`: the column moves forward on an existing row. Values: key, time. */
  stampRow(table: string, column: string): Plan {
    return (
      this.madeTablePlan(`stamp:${column}`, table) ??
      this.tablePlan(`stamp:${column}`, table, () => {
        const t = this.tables.spec(table);
        if (t.key.length !== 1) throw new Error(`${table}: a stamp needs a one-column key`);
        const at = this.dialect.typed(param(1), 'time');
        const col = sql.ref(column);
        return sql`UPDATE ${sql.table(t.name)} SET ${col} = ${at} WHERE ${sql.ref(t.key[0]!)} = ${param(0)} AND (${col} IS NULL OR ${col} < ${at})`;
      })
    );
  }

  /** Record a deletion; keeps the latest. Values: table, key, deleted_at, event id. */
  recordTombstone(): Plan {
    return (this.tombstonePlan ??= this.plan(
      'tombstone',
      () =>
        sql`INSERT INTO authsync_tombstones (table_name, ${sql.ref('key')}, deleted_at, event_id) VALUES (${param(0)}, ${param(1)}, ${this.dialect.typed(param(2), 'time')}, ${param(3)}) ${this.tombstoneConflict()}`,
    ));
  }

  /** Tombstones for every row a cascade removes. Values: at, value, event id. */
  tombstoneWhere(table: string, column: string): Plan {
    return this.plan(`tombstoneWhere|${table}|${column}`, () => {
      const t = this.tables.spec(table);
      if (!t.columns.includes(column)) throw new Error(`${table} has no column ${column}`);
      const at = this.dialect.typed(param(0), 'time');
      const eventId = this.dialect.typed(param(2), 'text');
      return sql`INSERT INTO authsync_tombstones (table_name, ${sql.ref('key')}, deleted_at, event_id) SELECT ${sql.lit(t.name)}, ${this.keyExpression(table)}, ${at}, ${eventId} FROM ${sql.table(t.name)} WHERE ${sql.ref(column)} = ${param(1)} AND ${this.notAfter(sql.ref('updated_at'), sql.ref('last_event_id'), at, eventId)} ${this.tombstoneConflict()}`;
    });
  }

  /** The cascade itself. Values: value, at, event id. */
  deleteWhere(table: string, column: string): Plan {
    return this.plan(`deleteWhere|${table}|${column}`, () => {
      const t = this.tables.spec(table);
      if (!t.columns.includes(column)) throw new Error(`${table} has no column ${column}`);
      const at = this.dialect.typed(param(1), 'time');
      return sql`DELETE FROM ${sql.table(t.name)} WHERE ${sql.ref(column)} = ${param(0)} AND ${this.notAfter(sql.ref('updated_at'), sql.ref('last_event_id'), at, this.dialect.typed(param(2), 'text'))}`;
    });
  }

  /** Append once (activity). Values: the row's columns. */
  appendRow(table: string): Plan {
    return (
      this.madeTablePlan('append', table) ??
      this.tablePlan('append', table, () => {
        const t = this.tables.spec(table);
        return sql`INSERT INTO ${sql.table(t.name)} (${sql.join(t.columns.map((c) => sql.ref(c)))}) VALUES (${sql.join(
          t.columns.map((c, i) => this.dialect.typed(param(i), t.types[c]!)),
        )}) ON CONFLICT DO NOTHING`;
      })
    );
  }

  /**
   * Hands out `n` stream positions for the inbox rows of one commit: run first, it also holds
   * the counter's row lock to the end of the transaction, so commits never share a position.
   * Values: n.
   */
  reservePositions(): Plan {
    return this.plan(
      'reserve',
      () =>
        sql`INSERT INTO authsync_sequence (name, value) VALUES ('inbox', ${param(0)}) ON CONFLICT (name) DO UPDATE SET value = authsync_sequence.value + excluded.value`,
    );
  }

  /**
   * An event's stream position: `key` (its id, where ids sort in stream order), else the
   * engine's number `offset` from the last one reserved (0: the last; -1: the one before...).
   */
  protected streamPosition(
    key: RawBuilder<unknown>,
    offset: RawBuilder<unknown>,
  ): RawBuilder<unknown> {
    const numbered = sql`(SELECT value FROM authsync_sequence WHERE name = 'inbox') + ${this.dialect.typed(offset, 'integer')}`;
    return sql`COALESCE(${key}, ${this.dialect.zeroPadded(numbered)})`;
  }

  /**
   * An event the pipeline has dealt with, at its stream position. A webhook may have stored it
   * first as `held`: then it takes the pipeline's status now; any other stored event keeps its
   * status.
   * Values: id, type, lane, created_at, status, source, received_at, data, api_seen, order
   * key, position offset (see `streamPosition`).
   */
  insertInboxEvent(): Plan {
    return (this.inboxPlan ??= this.plan('inbox', () => {
      const seen = this.dialect.greatest(
        sql.ref('authsync_events.api_seen'),
        sql.ref('excluded.api_seen'),
      );
      return sql`INSERT INTO authsync_events (id, type, lane, created_at, status, source, received_at, data, api_seen, position) VALUES (${sql.join(
        [0, 1, 2, 3, 4, 5].map((i) => sql`${param(i)}`),
      )}, ${this.dialect.typed(param(6), 'time')}, ${param(7)}, ${param(8)}, ${this.streamPosition(sql`${param(9)}`, sql`${param(10)}`)}) ${this.inboxConflict(seen)}`;
    }));
  }

  /**
   * An event already in the inbox that the API shows now: if it had not (applied from a
   * webhook), it learns so and takes this stream position. Values: id, order key, position
   * offset.
   */
  markSeenByApi(): Plan {
    return this.plan(
      'seenByApi',
      () =>
        sql`UPDATE authsync_events SET api_seen = 1, position = ${this.streamPosition(sql`${param(1)}`, sql`${param(2)}`)} WHERE id = ${param(0)} AND api_seen = 0`,
    );
  }

  /**
   * A held row takes the pipeline's status and body. Any row learns that the API has shown it,
   * even one a webhook sweep applied while the reader had the same event in hand; a row the
   * API had not shown (held, or applied from a webhook) takes the position the stream gives
   * it now, so later ties order it where the provider did.
   */
  inboxConflict(seen: RawBuilder<unknown>): RawBuilder<unknown> {
    const held = sql`authsync_events.status IN ('held', 'queued')`;
    const unplaced = sql`authsync_events.status = 'held' OR authsync_events.api_seen = 0`;
    return sql`ON CONFLICT (id) DO UPDATE SET status = CASE WHEN ${held} THEN excluded.status ELSE authsync_events.status END, data = CASE WHEN ${held} THEN excluded.data ELSE authsync_events.data END, api_seen = ${seen}, position = CASE WHEN ${unplaced} THEN excluded.position ELSE authsync_events.position END`;
  }

  /**
   * A webhook delivery: held until the API shows it; an event the inbox has (from the API)
   * only records that a webhook came. Returns the id for the first delivery of an event and
   * nothing for a repeat — decided by the write itself, so two deliveries committed at once by
   * two processes or connections cannot both count as the first.
   * Values: id, type, lane, created_at, received_at, data, order key (or null).
   */
  insertHeldEvent(): Plan {
    return this.plan('held', () => {
      const at = this.dialect.typed(param(4), 'time');
      return sql`INSERT INTO authsync_events (id, type, lane, created_at, status, source, received_at, data, webhook_at, api_seen, position) VALUES (${param(0)}, ${param(1)}, ${param(2)}, ${param(3)}, 'held', 'webhook', ${at}, ${param(5)}, ${at}, 0, ${param(6)}) ON CONFLICT (id) DO UPDATE SET webhook_at = excluded.webhook_at WHERE authsync_events.webhook_at IS NULL RETURNING id`;
    });
  }

  /** Values: received before, limit. */
  selectHeld(): Plan {
    return this.plan(
      'selectHeld',
      () =>
        sql`SELECT id, type, lane, created_at, data FROM authsync_events WHERE status = 'held' AND received_at < ${this.dialect.typed(param(0), 'time')} ORDER BY position, created_at, received_at LIMIT ${param(1)}`,
    );
  }

  countBacklog(): Plan {
    return this.plan(
      'backlog',
      () =>
        sql`SELECT status, COUNT(*) AS n FROM authsync_events WHERE status IN ('pending', 'dead') GROUP BY status UNION ALL SELECT 'held', COUNT(*) FROM authsync_events WHERE status = 'held'`,
    );
  }

  /** Events a webhook delivered that the API never showed, and the reverse, received in a window. Values: from, to. */
  countSourceGaps(): Plan {
    const count = (condition: RawBuilder<unknown>) =>
      sql`COALESCE(SUM(CASE WHEN ${condition} THEN 1 ELSE 0 END), 0)`;
    return this.plan(
      'sourceGaps',
      () =>
        sql`SELECT ${count(sql`webhook_at IS NOT NULL AND api_seen = 0 AND status <> 'held'`)} AS webhook_only, ${count(sql`webhook_at IS NULL AND api_seen = 1`)} AS api_only, ${count(sql`webhook_at IS NOT NULL`)} AS via_webhook FROM authsync_events WHERE received_at >= ${this.dialect.typed(param(0), 'time')} AND received_at < ${this.dialect.typed(param(1), 'time')}`,
    );
  }

  /** Values: status, id. */
  setInboxStatus(): Plan {
    return this.plan(
      'setStatus',
      () => sql`UPDATE authsync_events SET status = ${param(0)} WHERE id = ${param(1)}`,
    );
  }

  /** Values: id. */
  selectInboxEvent(): Plan {
    return this.plan(
      'inboxEvent',
      () =>
        sql`SELECT id, type, lane, created_at, status, data FROM authsync_events WHERE id = ${param(0)}`,
    );
  }

  /** The ids among `count` given that are in the inbox, except held ones. Values: the ids. */
  /** Values: `count` event ids. */
  /**
   * `id IN (...)` over `count` values, or with `array` (PostgreSQL) `id = ANY` of one array
   * value: one statement shape whatever the number of ids.
   */
  private idIn(count: number | 'array', column = 'id'): RawBuilder<unknown> {
    if (count === 'array') return sql`${sql.ref(column)} = ANY(CAST(${param(0)} AS text[]))`;
    return sql`${sql.ref(column)} IN (${sql.join(Array.from({ length: count }, (_, i) => sql`${param(i)}`))})`;
  }

  /** Values: the ids (see `idIn`). */
  selectQueued(count: number | 'array'): Plan {
    return this.plan(
      `queued|${count}`,
      () =>
        sql`SELECT id, type, lane, created_at, data FROM authsync_events WHERE ${this.idIn(count)} AND status = 'queued' ORDER BY position`,
    );
  }

  /** Values: the ids (see `idIn`). */
  selectKnown(count: number | 'array'): Plan {
    return this.plan(
      `known|${count}`,
      () => sql`SELECT id FROM authsync_events WHERE ${this.idIn(count)} AND status <> 'held'`,
    );
  }

  // The `status IN (...)` term repeats the partial index's condition word for word, so SQLite
  // is sure to use that index (its proof that one condition implies another is limited).
  /** Values: lane. */
  selectPendingInLane(): Plan {
    return this.plan(
      'pendingInLane',
      () =>
        sql`SELECT id, type, lane, created_at, data FROM authsync_events WHERE lane = ${param(0)} AND status IN ('pending', 'dead') AND status = 'pending' ORDER BY position`,
    );
  }

  selectBlockedLanes(): Plan {
    return this.plan('blockedLanes', () => sql`SELECT DISTINCT lane FROM authsync_dead_letters`);
  }

  /** Values: source id. */
  selectCursor(): Plan {
    return this.plan(
      'cursor',
      () =>
        sql`SELECT after_id, range_start, last_event_at FROM authsync_cursor WHERE name = ${param(0)}`,
    );
  }

  /** Every source with a cursor here, and its provider. */
  selectSources(): Plan {
    return this.plan(
      'sources',
      () => sql`SELECT name, provider FROM authsync_cursor ORDER BY name`,
    );
  }

  /**
   * Fails (NOT NULL constraint) when the cursor is no longer where a run last saw it, and so
   * fails the D1 batch it opens: D1 has no interactive transaction to read and compare in.
   * Values: source id, expected after_id, expected range_start.
   */
  assertCursor(): Plan {
    return this.plan(
      'assertCursor',
      () =>
        sql`INSERT INTO authsync_state (${sql.ref('key')}, value) SELECT 'cursor_moved', NULL FROM authsync_cursor WHERE name = ${param(0)} AND (after_id IS NOT ${param(1)} OR range_start IS NOT ${param(2)})`,
    );
  }

  /** Values: source id, provider, after, range_start, last_event_at, updated_at. */
  upsertCursor(): Plan {
    return this.plan('upsertCursor', () => {
      const time = (i: number) => this.dialect.typed(param(i), 'time');
      const latest = this.dialect.greatest(
        sql.ref('excluded.last_event_at'),
        sql`COALESCE(authsync_cursor.last_event_at, excluded.last_event_at)`,
      );
      return sql`INSERT INTO authsync_cursor (name, provider, after_id, range_start, last_event_at, updated_at) VALUES (${param(0)}, ${param(1)}, ${param(2)}, ${time(3)}, ${time(4)}, ${time(5)}) ON CONFLICT (name) DO UPDATE SET after_id = excluded.after_id, range_start = excluded.range_start, last_event_at = COALESCE(${latest}, authsync_cursor.last_event_at), updated_at = excluded.updated_at`;
    });
  }

  /** Values: source id, last_event_at. */
  updateLastEventAt(): Plan {
    return this.plan('lastEventAt', () => {
      const at = this.dialect.typed(param(1), 'time');
      return sql`UPDATE authsync_cursor SET last_event_at = CASE WHEN last_event_at IS NULL OR last_event_at < ${at} THEN ${at} ELSE last_event_at END WHERE name = ${param(0)}`;
    });
  }

  /** Values: event id, lane, error, failed_at (the type is read from the inbox). */
  insertDeadLetter(): Plan {
    return this.plan(
      'deadLetter',
      () =>
        sql`INSERT INTO authsync_dead_letters (event_id, type, lane, error, failed_at) VALUES (${param(0)}, COALESCE((SELECT type FROM authsync_events WHERE id = ${param(0)}), ''), ${param(1)}, ${param(2)}, ${this.dialect.typed(param(3), 'time')}) ON CONFLICT (event_id) DO UPDATE SET error = excluded.error, failed_at = excluded.failed_at, attempts = authsync_dead_letters.attempts + 1`,
    );
  }

  /** Values: event id. */
  deleteDeadLetter(): Plan {
    return this.plan(
      'deleteDeadLetter',
      () => sql`DELETE FROM authsync_dead_letters WHERE event_id = ${param(0)}`,
    );
  }

  selectDeadLetters(): Plan {
    return this.plan(
      'deadLetters',
      () =>
        sql`SELECT event_id, type, lane, error, failed_at, attempts FROM authsync_dead_letters ORDER BY failed_at`,
    );
  }

  /** Values: event id, type, data. */
  insertOutbox(): Plan {
    return this.plan(
      'outbox',
      () =>
        sql`INSERT INTO authsync_outbox (event_id, type, data) VALUES (${param(0)}, ${param(1)}, ${param(2)}) ON CONFLICT DO NOTHING`,
    );
  }

  /** Values: now (ms), limit. */
  selectOutboxDue(): Plan {
    return this.plan(
      'outboxDue',
      () =>
        sql`SELECT event_id, type, data, attempts FROM authsync_outbox WHERE done = 0 AND next_attempt_at <= ${param(0)} ORDER BY ${sql.ref(this.dialect.insertionOrder)} LIMIT ${param(1)}`,
    );
  }

  /**
   * Due items claimed for `lease` (their next attempt moved on), so that runs overlapping on D1
   * do not run the same effect at once. The due condition is repeated outside the subquery:
   * PostgreSQL re-checks it on a row another claim just updated (the subquery it does not), so
   * two claims at once cannot both take a row. Values: claimed until, now, limit.
   */
  claimOutboxDue(): Plan {
    return this.plan(
      'outboxClaim',
      () =>
        sql`UPDATE authsync_outbox SET next_attempt_at = ${param(0)} WHERE event_id IN (SELECT event_id FROM authsync_outbox WHERE done = 0 AND next_attempt_at <= ${param(1)} ORDER BY ${sql.ref(this.dialect.insertionOrder)} LIMIT ${param(2)}) AND done = 0 AND next_attempt_at <= ${param(1)} RETURNING ${sql.ref(this.dialect.insertionOrder)} AS seq, event_id, type, data, attempts`,
    );
  }

  /**
   * Values: event id. The row stays (its id keeps a second copy of the event from queuing the
   * effects again) but not the event's JSON, which no one reads once the effects are done: with
   * forwarding on, every event has an outbox row.
   */
  markOutboxDone(): Plan {
    return this.plan(
      'outboxDone',
      () =>
        sql`UPDATE authsync_outbox SET done = 1, attempts = attempts + 1, last_error = NULL, data = '' WHERE event_id = ${param(0)}`,
    );
  }

  /** Due again at once (claimed, then not tried). Values: the event ids (see `idIn`). */
  releaseOutbox(count: number | 'array'): Plan {
    return this.plan(
      `releaseOutbox|${count}`,
      () =>
        sql`UPDATE authsync_outbox SET next_attempt_at = 0 WHERE done = 0 AND ${this.idIn(count, 'event_id')}`,
    );
  }

  /** Values: error, retry at (ms), event id. */
  markOutboxFailed(): Plan {
    return this.plan(
      'outboxFailed',
      () =>
        sql`UPDATE authsync_outbox SET attempts = attempts + 1, last_error = ${param(0)}, next_attempt_at = ${param(1)} WHERE event_id = ${param(2)}`,
    );
  }

  /** Values: key. */
  selectState(): Plan {
    return this.plan(
      'state',
      () => sql`SELECT value FROM authsync_state WHERE ${sql.ref('key')} = ${param(0)}`,
    );
  }

  /** Values: key, value. */
  upsertState(): Plan {
    return this.plan(
      'setState',
      () =>
        sql`INSERT INTO authsync_state (${sql.ref('key')}, value) VALUES (${param(0)}, ${param(1)}) ON CONFLICT (${sql.ref('key')}) DO UPDATE SET value = excluded.value`,
    );
  }

  /** Values: key. */
  deleteState(): Plan {
    return this.plan(
      'deleteState',
      () => sql`DELETE FROM authsync_state WHERE ${sql.ref('key')} = ${param(0)}`,
    );
  }

  selectAllState(): Plan {
    return this.plan('allState', () => sql`SELECT ${sql.ref('key')}, value FROM authsync_state`);
  }

  countRows(table: string): Plan {
    return this.plan(
      `count|${table}`,
      () => sql`SELECT COUNT(*) AS n FROM ${sql.table(this.tables.spec(table).name)}`,
    );
  }

  /** Values: limit. */
  selectLaneBacklog(): Plan {
    return this.plan(
      'laneBacklog',
      () =>
        // Each branch repeats its partial index's condition word for word (SQLite uses it then).
        sql`SELECT lane, SUM(waiting) AS waiting, SUM(queued) AS queued FROM (SELECT lane, 1 AS waiting, 0 AS queued FROM authsync_events WHERE status IN ('pending', 'dead') UNION ALL SELECT lane, 0 AS waiting, 1 AS queued FROM authsync_events WHERE status = 'queued') AS backlog GROUP BY lane ORDER BY COUNT(*) DESC, lane LIMIT ${param(0)}`,
    );
  }

  countInboxByStatus(): Plan {
    return this.plan(
      'inboxByStatus',
      () => sql`SELECT status, COUNT(*) AS n FROM authsync_events GROUP BY status`,
    );
  }

  countDeadLetters(): Plan {
    return this.plan('countDead', () => sql`SELECT COUNT(*) AS n FROM authsync_dead_letters`);
  }

  /** Effects not done yet, and how many of those have failed at least once. */
  countOutboxPending(): Plan {
    return this.plan(
      'countOutbox',
      () =>
        sql`SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END), 0) AS retrying FROM authsync_outbox WHERE done = 0`,
    );
  }

  // Reconciliation: keys the list endpoints showed are noted in a table of their own (bounded
  // memory, whatever the tenant's size); rows not among them are the ones the provider deleted.
  /** Values: table. */
  clearReconcileSeen(): Plan {
    return this.plan(
      'clearSeen',
      () => sql`DELETE FROM authsync_reconcile_seen WHERE table_name = ${param(0)}`,
    );
  }

  /** Values: table, key. */
  insertReconcileSeen(): Plan {
    return this.plan(
      'seen',
      () =>
        sql`INSERT INTO authsync_reconcile_seen (table_name, ${sql.ref('key')}) VALUES (${param(0)}, ${param(1)}) ON CONFLICT DO NOTHING`,
    );
  }

  /** The stored `updated_at` of one row. Values: the key columns. */
  selectUpdatedAt(table: string): Plan {
    return this.tablePlan('updatedAt', table, () => {
      const t = this.tables.spec(table);
      const where = t.key.map((k, i) => sql`${sql.ref(k)} = ${param(i)}`);
      return sql`SELECT updated_at FROM ${sql.table(t.name)} WHERE ${sql.join(where, sql` AND `)}`;
    });
  }

  /** Keys of rows last written before a time that the list endpoints did not show. Values: before. */
  selectUnseen(table: string): Plan {
    return this.tablePlan('unseen', table, () => {
      const t = this.tables.spec(table);
      return sql`SELECT ${this.keyExpression(table, 't')} AS ${sql.ref('key')} FROM ${sql.table(t.name)} AS t WHERE t.updated_at < ${this.dialect.typed(param(0), 'time')} AND NOT EXISTS (SELECT 1 FROM authsync_reconcile_seen s WHERE s.table_name = ${sql.lit(t.name)} AND s.${sql.ref('key')} = ${this.keyExpression(table, 't')})`;
    });
  }
}

/** `upsertRow`'s kinds by number of parents (no `keepIfNull`), made once. */
const UPSERT_KINDS = ['upsert0', 'upsert1', 'upsert2', 'upsert3'];

/** The columns a tie repair compares and writes: all but the key, `updated_at` and `last_event_id`. */
export function tieColumns(t: TableSpec): string[] {
  return t.columns.filter((c) => !t.key.includes(c) && c !== 'updated_at' && c !== 'last_event_id');
}
