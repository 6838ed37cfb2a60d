import { sql, type RawBuilder } from 'kysely';
import type { ColumnType, TableCatalog } from '../../engine/tables.js';
import type { Step, StepShape } from '../sql/commit-steps.js';
import { PG_TYPES, postgresDialect } from '../sql/dialect.js';
import { param, type Plan } from '../sql/plan.js';
import { Statements } from '../sql/statements.js';

type SlotType = ColumnType | 'int';

const PG_TYPE: Record<SlotType, string> = { ...PG_TYPES, int: 'integer' };

/** `FROM unnest(...) AS v(c0, c1, ...)` and the i-th value, cast to its type. */
interface Rows {
  from: RawBuilder<unknown>;
  v: (i: number) => RawBuilder<unknown>;
}

/**
 * Multi-row forms of the write statements, for PostgreSQL. Each statement costs a round trip
 * and server time whatever its size, so a commit of 1,000 events is sent as a few dozen
 * statements over `unnest`ed arrays instead of a few thousand single-row ones. Every value
 * travels as text and is cast where the single-row statement casts it.
 */
export class MultiRowStatements extends Statements {
  constructor(tables: TableCatalog, orderedIds: boolean) {
    super(postgresDialect, tables, orderedIds);
  }

  /** The multi-row plan for steps of this shape (values: one array per single-row value). */
  forShape(shape: StepShape): Plan {
    switch (shape.op) {
      case 'upsert':
        return this.upsertRows(shape.table, shape.parents, shape.keepIfNull);
      case 'append':
        return this.appendRows(shape.table);
      case 'delete':
        return this.deleteRows(shape.table);
      case 'tombstone':
        return this.tombstoneRows();
      case 'inbox':
        return this.inboxRows();
      case 'outbox':
        return this.outboxRows();
      case 'cascadeTombstones':
        return this.cascadeTombstoneRows(shape.table, shape.column);
      case 'cascadeDelete':
        return this.cascadeDeleteRows(shape.table, shape.column);
      case 'stamp':
        return this.stampRows(shape.table, shape.column);
    }
  }

  /** Stamps of different rows (one row's stamps go to different rounds). */
  private stampRows(table: string, column: string): Plan {
    const t = this.tables.spec(table);
    return this.rows(`stamp|${table}|${column}`, ['text', 'time'], ({ from, v }) => {
      const col = sql.ref(`${t.name}.${column}`);
      return sql`UPDATE ${sql.table(t.name)} SET ${sql.ref(column)} = s.at FROM (SELECT ${v(0)} AS key, ${v(1)} AS at ${from}) AS s WHERE ${sql.ref(`${t.name}.${t.key[0]!}`)} = s.key AND (${col} IS NULL OR ${col} < s.at)`;
    });
  }

  private rows(key: string, types: SlotType[], build: (r: Rows) => RawBuilder<unknown>): Plan {
    return this.plan(`rows|${key}`, () => {
      const arrays = sql.join(types.map((_, i) => sql`CAST(${param(i)} AS text[])`));
      const names = sql.join(types.map((_, i) => sql.ref(`c${i}`)));
      return build({
        from: sql`FROM unnest(${arrays}) AS v(${names})`,
        v: (i) => sql`CAST(${sql.ref(`v.c${i}`)} AS ${sql.raw(PG_TYPE[types[i]!])})`,
      });
    });
  }

  private upsertRows(table: string, parents: number, keepIfNull: readonly string[]): Plan {
    const t = this.tables.spec(table);
    const n = t.columns.length;
    const types: SlotType[] = t.columns.map((c) => t.types[c]!);
    for (let i = 0; i <= parents; i++) types.push('text', 'text', 'time');
    return this.rows(`upsert|${table}|${parents}|${keepIfNull.join(',')}`, types, ({ from, v }) => {
      const e = t.columns.indexOf('last_event_id');
      const eventId = e < 0 ? sql`NULL` : v(e);
      const guards = Array.from({ length: parents + 1 }, (_, i) =>
        this.guard(v(n + 3 * i), v(n + 3 * i + 1), v(n + 3 * i + 2), eventId),
      );
      return sql`INSERT INTO ${sql.table(t.name)} (${sql.join(t.columns.map((c) => sql.ref(c)))}) SELECT ${sql.join(
        t.columns.map((c, i) => sql`${v(i)} AS ${sql.ref(c)}`),
      )} ${from} WHERE ${sql.join(guards, sql` AND `)} ${this.upsertConflict(table, keepIfNull)}`;
    });
  }

  private appendRows(table: string): Plan {
    const t = this.tables.spec(table);
    return this.rows(
      `append|${table}`,
      t.columns.map((c) => t.types[c]!),
      ({ from, v }) =>
        sql`INSERT INTO ${sql.table(t.name)} (${sql.join(t.columns.map((c) => sql.ref(c)))}) SELECT ${sql.join(
          t.columns.map((_, i) => v(i)),
        )} ${from} ON CONFLICT DO NOTHING`,
    );
  }

  private deleteRows(table: string): Plan {
    const t = this.tables.spec(table);
    const types: SlotType[] = [...t.key.map(() => 'text' as const), 'time', 'text'];
    return this.rows(`delete|${table}`, types, ({ from, v }) => {
      const where = t.key.map((k, i) => sql`${sql.ref(`${t.name}.${k}`)} = ${v(i)}`);
      return sql`DELETE FROM ${sql.table(t.name)} USING (SELECT * ${from}) AS v WHERE ${sql.join(where, sql` AND `)} AND ${this.notAfter(sql.ref(`${t.name}.updated_at`), sql.ref(`${t.name}.last_event_id`), v(t.key.length), v(t.key.length + 1))}`;
    });
  }

  private tombstoneRows(): Plan {
    return this.rows(
      'tombstone',
      ['text', 'text', 'time', 'text'],
      ({ from, v }) =>
        sql`INSERT INTO authsync_tombstones (table_name, ${sql.ref('key')}, deleted_at, event_id) SELECT ${v(0)}, ${v(1)}, ${v(2)}, ${v(3)} ${from} ${this.tombstoneConflict()}`,
    );
  }

  private inboxRows(): Plan {
    const types: SlotType[] = [
      'text',
      'text',
      'text',
      'text',
      'text',
      'text',
      'time',
      'text',
      'int',
      'text',
      'integer',
      'text',
    ];
    return this.rows(
      'inbox',
      types,
      ({ from, v }) =>
        sql`INSERT INTO authsync_events (id, type, lane, created_at, status, source, received_at, data, api_seen, position, source_id) SELECT ${sql.join(
          types.slice(0, 9).map((_, i) => v(i)),
        )}, ${this.streamPosition(v(9), v(10))}, ${v(11)} ${from} ${this.inboxConflict(sql`GREATEST(authsync_events.api_seen, excluded.api_seen)`)}`,
    );
  }

  /** Cascades on one column, several values (each row has one value: no row is met twice). */
  private cascadeTombstoneRows(table: string, column: string): Plan {
    const t = this.tables.spec(table);
    return this.rows(
      `cascadeTombstones|${table}|${column}`,
      ['time', 'text', 'text'],
      ({ from, v }) =>
        sql`INSERT INTO authsync_tombstones (table_name, ${sql.ref('key')}, deleted_at, event_id) SELECT ${sql.lit(t.name)}, ${this.keyExpression(table, 't')}, ${v(0)}, ${v(2)} ${from} JOIN ${sql.table(t.name)} AS t ON ${sql.ref(`t.${column}`)} = ${v(1)} WHERE ${this.notAfter(sql.ref('t.updated_at'), sql.ref('t.last_event_id'), v(0), v(2))} ${this.tombstoneConflict()}`,
    );
  }

  private cascadeDeleteRows(table: string, column: string): Plan {
    const t = this.tables.spec(table);
    return this.rows(
      `cascadeDelete|${table}|${column}`,
      ['text', 'time', 'text'],
      ({ from, v }) =>
        sql`DELETE FROM ${sql.table(t.name)} USING (SELECT * ${from}) AS v WHERE ${sql.ref(`${t.name}.${column}`)} = ${v(0)} AND ${this.notAfter(sql.ref(`${t.name}.updated_at`), sql.ref(`${t.name}.last_event_id`), v(1), v(2))}`,
    );
  }

  private outboxRows(): Plan {
    return this.rows(
      'outbox',
      ['text', 'text', 'text'],
      ({ from, v }) =>
        sql`INSERT INTO authsync_outbox (event_id, type, data, done) SELECT ${v(0)}, ${v(1)}, ${v(2)}, 1 ${from} ON CONFLICT DO NOTHING`,
    );
  }
}

/**
 * What a step reads and writes: one row, or one row's tombstone (`tomb`), of a table (an inbox
 * or outbox entry counts as a row of `inbox` / `outbox`) — or, for a cascade, the rows and
 * tombstones of a table whose `filter` column has a value. `values` lists a row's own
 * `column=value` pairs for those columns; absent, they are unknown (a delete by key), and the
 * access is ordered against every cascade on it.
 */
interface Access {
  space: string;
  key?: string;
  tomb?: boolean;
  filter?: { column: string; value: string };
  values?: string[];
  write: boolean;
}

function accesses(shape: StepShape): Access[] {
  switch (shape.op) {
    case 'upsert':
      return [
        { space: shape.table, key: shape.key, values: shape.cascadeValues, write: true },
        // The row's own tombstone has the row's values; a parent's are not known here.
        ...shape.guards.map((g, i) => ({
          space: g.table,
          key: g.key,
          tomb: true,
          ...(i === 0 ? { values: shape.cascadeValues } : {}),
          write: false,
        })),
      ];
    case 'append':
      return [{ space: shape.table, key: shape.key, write: true }];
    case 'stamp':
      // The row's foreign keys are not known here: ordered after any cascade on its table.
      return [{ space: shape.table, key: shape.key, write: true }];
    case 'delete':
    case 'tombstone':
      return [
        {
          space: shape.table,
          key: shape.key,
          tomb: shape.op === 'tombstone',
          ...(shape.cascadeValues ? { values: shape.cascadeValues } : {}),
          write: true,
        },
      ];
    case 'inbox':
    case 'outbox':
      return [{ space: shape.op, key: shape.key, values: [], write: true }];
    case 'cascadeTombstones':
    case 'cascadeDelete':
      return [
        { space: shape.table, filter: { column: shape.column, value: shape.key }, write: true },
      ];
  }
}

/**
 * The last round of each kind of access to one table. Maps are keyed by the strings the steps
 * carry (never by strings built here): a commit places thousands of steps, and hashing a new
 * string per lookup was most of the time spent merging.
 */
class SpaceRounds {
  readonly rowWritten = new Map<string, number>();
  readonly rowRead = new Map<string, number>();
  readonly tombWritten = new Map<string, number>();
  readonly tombRead = new Map<string, number>();
  /** Rows or tombstones with a `column=value`, and cascades on one. */
  readonly anyWithValue = new Map<string, number>();
  readonly cascadeOnValue = new Map<string, number>();
  /** Cascades by column: a cascade on another column may select the same rows. */
  readonly cascadeOnColumn = new Map<string, number>();
  /** Any row or tombstone; one whose values are unknown; any cascade; a cascade on an odd column. */
  any = -1;
  anyUnknown = -1;
  cascadeAny = -1;
  cascadeOdd = -1;
}

const lastOf = (map: Map<string, number>, key: string) => map.get(key) ?? -1;

function noteIn(map: Map<string, number>, key: string, round: number): void {
  if (round > lastOf(map, key)) map.set(key, round);
}

/** The last round of each kind of access, to place a step after everything it depends on. */
class Schedule {
  private readonly spaces = new Map<string, SpaceRounds>();

  constructor(private readonly cascadeColumns: readonly string[]) {}

  private space(name: string): SpaceRounds {
    let s = this.spaces.get(name);
    if (!s) this.spaces.set(name, (s = new SpaceRounds()));
    return s;
  }

  /** The first round in which a step with these accesses may run; records them. */
  place(list: Access[]): number {
    let round = 0;
    const after = (last: number) => {
      if (last >= round) round = last + 1;
    };
    for (const a of list) {
      const s = this.space(a.space);
      if (a.filter) {
        const f = `${a.filter.column}=${a.filter.value}`;
        // Rows that have the value, or whose values are unknown; cascades on other columns or
        // on the same value (different values of one column select different rows).
        after(lastOf(s.anyWithValue, f));
        after(s.anyUnknown);
        after(lastOf(s.cascadeOnValue, f));
        for (const [column, last] of s.cascadeOnColumn) if (column !== a.filter.column) after(last);
        if (!this.cascadeColumns.includes(a.filter.column)) after(s.any);
      } else {
        const key = a.key!;
        after(lastOf(a.tomb ? s.tombWritten : s.rowWritten, key));
        if (a.write) after(lastOf(a.tomb ? s.tombRead : s.rowRead, key));
        if (a.values === undefined) after(s.cascadeAny);
        else for (const v of a.values) after(lastOf(s.cascadeOnValue, v));
        after(s.cascadeOdd);
      }
    }
    for (const a of list) {
      const s = this.space(a.space);
      if (a.filter) {
        noteIn(s.cascadeOnValue, `${a.filter.column}=${a.filter.value}`, round);
        s.cascadeAny = Math.max(s.cascadeAny, round);
        noteIn(s.cascadeOnColumn, a.filter.column, round);
        if (!this.cascadeColumns.includes(a.filter.column))
          s.cascadeOdd = Math.max(s.cascadeOdd, round);
      } else {
        const written = a.tomb ? s.tombWritten : s.rowWritten;
        noteIn(a.write ? written : a.tomb ? s.tombRead : s.rowRead, a.key!, round);
        s.any = Math.max(s.any, round);
        if (a.values === undefined) s.anyUnknown = Math.max(s.anyUnknown, round);
        else for (const v of a.values) noteIn(s.anyWithValue, v, round);
      }
    }
    return round;
  }
}

/**
 * The same effect as running `steps` one by one, in far fewer statements. Each step goes to the
 * first round after every earlier step it depends on: one that wrote what it reads or writes,
 * or read what it writes (a row, a tombstone that guards read, or a whole table for a cascade).
 * Steps within a round touch disjoint things, so they may run in any order, and those of one
 * statement shape run as one multi-row statement. Steps without a shape (dead letters, status
 * changes, the cursor) are barriers, run where they stand.
 */
export function mergeSteps(steps: Iterable<Step>, multi: MultiRowStatements): Step[] {
  const out: Step[] = [];
  let rounds: Map<string, Step[]>[] = [];
  let schedule = new Schedule(multi.tables.cascadeColumns);
  const flush = () => {
    for (const byPlan of rounds)
      for (const group of byPlan.values()) out.push(...merge(group, multi));
    rounds = [];
    schedule = new Schedule(multi.tables.cascadeColumns);
  };
  for (const step of steps) {
    if (!step.shape) {
      flush();
      out.push(step);
      continue;
    }
    const round = schedule.place(accesses(step.shape));
    rounds[round] ??= new Map();
    const byPlan = rounds[round]!;
    const same = byPlan.get(step.plan.sql);
    if (same) same.push(step);
    else byPlan.set(step.plan.sql, [step]);
  }
  flush();
  return out;
}

/** One step as it is, or several of one shape as one multi-row statement (cascades one by one). */
function merge(group: Step[], multi: MultiRowStatements): Step[] {
  if (group.length === 1) return group;
  const width = group[0]!.values.length;
  const columns: (string | null)[][] = Array.from({ length: width }, () => []);
  for (const step of group)
    for (let i = 0; i < width; i++) {
      const value = step.values[i];
      columns[i]!.push(value === null || value === undefined ? null : String(value));
    }
  return [{ plan: multi.forShape(group[0]!.shape!), values: columns }];
}
