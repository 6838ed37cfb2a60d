import { sql, type RawBuilder } from 'kysely';
import type { TableCatalog } from '../../engine/tables.js';
import type { SqlDialect } from './dialect.js';
import { compilePlan, param, type Plan } from './plan.js';

/**
 * What every family of statements builds on: plans compiled once per shape and kept, and the
 * ordering rules the writes share (stream positions, the tombstone guard, the upsert's
 * conflict clause). The families extend it in turn: rows, then the inbox, then the rest
 * (`Statements`).
 */
export class StatementsBase {
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
  protected inboxPlan: Plan | undefined;
  protected tombstonePlan: Plan | undefined;

  /**
   * `plan` for the statements run per row, looked up by (kind, table) without building a key:
   * a catch-up asks for one per row change, hundreds of thousands of times.
   */
  protected tablePlan(kind: string, table: string, build: () => RawBuilder<unknown>): Plan {
    let plans = this.byTable.get(kind);
    if (!plans) this.byTable.set(kind, (plans = new Map()));
    let plan = plans.get(table);
    if (!plan) plans.set(table, (plan = this.plan(`${kind}|${table}`, build)));
    return plan;
  }

  /** A plan `tablePlan` has made; looked up first so that no builder closure is made per row. */
  protected madeTablePlan(kind: string, table: string): Plan | undefined {
    return this.byTable.get(kind)?.get(table);
  }

  protected tombstoneGuard(first: number, eventId: RawBuilder<unknown>): RawBuilder<unknown> {
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

  /** The ids among `count` given that are in the inbox, except held ones. Values: the ids. */
  /** Values: `count` event ids. */
  /**
   * `id IN (...)` over `count` values, or with `array` (PostgreSQL) `id = ANY` of one array
   * value: one statement shape whatever the number of ids.
   */
  protected idIn(count: number | 'array', column = 'id'): RawBuilder<unknown> {
    if (count === 'array') return sql`${sql.ref(column)} = ANY(CAST(${param(0)} AS text[]))`;
    return sql`${sql.ref(column)} IN (${sql.join(Array.from({ length: count }, (_, i) => sql`${param(i)}`))})`;
  }
}
