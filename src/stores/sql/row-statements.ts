import { sql, type RawBuilder } from 'kysely';
import type { TableSpec } from '../../engine/tables.js';
import { param, type Plan } from './plan.js';
import { StatementsBase } from './statements-base.js';

/** The writes of row changes: guarded upserts, deletes, tombstones, cascades, stamps, list edits. */
export class RowStatements extends StatementsBase {
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
    return this.tablePlan('repairTie', table, () =>
      this.contentRepair(this.tables.spec(table), tieColumns, (at) => ({
        set: sql``,
        when: sql`updated_at = ${at}`,
      })),
    );
  }

  /**
   * Reconciliation of an object without a time of its own: rewrite the row (but its
   * `created_at`) when its content differs and it was written before the reading.
   * Values: the content columns, the key, the reading's time.
   */
  repairTimeless(table: string): Plan {
    return this.tablePlan('repairTimeless', table, () =>
      this.contentRepair(this.tables.spec(table), timelessColumns, (at) => ({
        set: sql`, updated_at = ${at}, last_event_id = NULL`,
        when: sql`updated_at < ${at}`,
      })),
    );
  }

  /** `UPDATE` a row's `columns` to the values given where any of them differs, and `when` holds. */
  private contentRepair(
    t: TableSpec,
    columnsOf: (t: TableSpec) => string[],
    extra: (at: RawBuilder<unknown>) => { set: RawBuilder<unknown>; when: RawBuilder<unknown> },
  ) {
    const columns = columnsOf(t);
    const where = t.key.map((k, i) => sql`${sql.ref(k)} = ${param(columns.length + i)}`);
    const { set, when } = extra(this.dialect.typed(param(columns.length + t.key.length), 'time'));
    const differs = columns.map(
      (c, i) =>
        sql`NOT (${this.dialect.same(sql.ref(c), this.dialect.typed(param(i), t.types[c]!))})`,
    );
    return sql`UPDATE ${sql.table(t.name)} SET ${sql.join(
      columns.map((c, i) => sql`${sql.ref(c)} = ${this.dialect.typed(param(i), t.types[c]!)}`),
    )}${set} WHERE ${sql.join(where, sql` AND `)} AND ${when} AND (${sql.join(differs, sql` OR `)})`;
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
}

/** `upsertRow`'s kinds by number of parents (no `keepIfNull`), made once. */
const UPSERT_KINDS = ['upsert0', 'upsert1', 'upsert2', 'upsert3'];

/** The columns a tie repair compares and writes: all but the key, `updated_at` and `last_event_id`. */
/** The columns of an object without time of its own that say what it is (not when it was seen). */
export function timelessColumns(t: TableSpec): string[] {
  return tieColumns(t).filter((c) => c !== 'created_at');
}

export function tieColumns(t: TableSpec): string[] {
  return t.columns.filter((c) => !t.key.includes(c) && c !== 'updated_at' && c !== 'last_event_id');
}
