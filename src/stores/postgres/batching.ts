import { sql, type RawBuilder } from 'kysely';
import { columnType, tableSpec, type ColumnType } from '../../engine/tables.js';
import { CASCADE_COLUMNS, type Step, type StepShape } from '../sql/commit-steps.js';
import { postgresDialect } from '../sql/dialect.js';
import { PG_TYPES } from '../sql/ddl.js';
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
  constructor() {
    super(postgresDialect);
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
    }
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
    const t = tableSpec(table);
    const n = t.columns.length;
    const types: SlotType[] = t.columns.map(columnType);
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
    const t = tableSpec(table);
    return this.rows(
      `append|${table}`,
      t.columns.map(columnType),
      ({ from, v }) =>
        sql`INSERT INTO ${sql.table(t.name)} (${sql.join(t.columns.map((c) => sql.ref(c)))}) SELECT ${sql.join(
          t.columns.map((_, i) => v(i)),
        )} ${from} ON CONFLICT DO NOTHING`,
    );
  }

  private deleteRows(table: string): Plan {
    const t = tableSpec(table);
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
    ];
    return this.rows(
      'inbox',
      types,
      ({ from, v }) =>
        sql`INSERT INTO authsync_events (id, type, lane, created_at, status, source, received_at, data, api_seen) SELECT ${sql.join(
          types.map((_, i) => v(i)),
        )} ${from} ${this.inboxConflict(sql`GREATEST(authsync_events.api_seen, excluded.api_seen)`)}`,
    );
  }

  /** Cascades on one column, several values (each row has one value: no row is met twice). */
  private cascadeTombstoneRows(table: string, column: string): Plan {
    const t = tableSpec(table);
    return this.rows(
      `cascadeTombstones|${table}|${column}`,
      ['time', 'text', 'text'],
      ({ from, v }) =>
        sql`INSERT INTO authsync_tombstones (table_name, ${sql.ref('key')}, deleted_at, event_id) SELECT ${sql.lit(t.name)}, ${this.keyExpression(table, 't')}, ${v(0)}, ${v(2)} ${from} JOIN ${sql.table(t.name)} AS t ON ${sql.ref(`t.${column}`)} = ${v(1)} WHERE ${this.notAfter(sql.ref('t.updated_at'), sql.ref('t.last_event_id'), v(0), v(2))} ${this.tombstoneConflict()}`,
    );
  }

  private cascadeDeleteRows(table: string, column: string): Plan {
    const t = tableSpec(table);
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
        sql`INSERT INTO authsync_outbox (event_id, type, data) SELECT ${v(0)}, ${v(1)}, ${v(2)} ${from} ON CONFLICT DO NOTHING`,
    );
  }
}

/**
 * What a step reads and writes: one row (`row`) or one row's tombstone (`tomb`) of a table, an
 * inbox or outbox entry — or, for a cascade, the rows and tombstones of a table whose `filter`
 * column has a value. `values` lists a row's own `column=value` pairs for those columns; absent,
 * they are unknown (a delete by key), and the access is ordered against every cascade on it.
 */
interface Access {
  space: string;
  key?: string;
  filter?: { column: string; value: string };
  values?: string[];
  write: boolean;
}

function accesses(shape: StepShape): Access[] {
  const split = (g: string) => [g.slice(0, g.indexOf('/')), g.slice(g.indexOf('/') + 1)] as const;
  switch (shape.op) {
    case 'upsert':
      return [
        { space: shape.table, key: shape.key, values: shape.cascadeValues, write: true },
        ...shape.guards.map((g, i) => {
          const [table, key] = split(g);
          // The row's own tombstone has the row's values; a parent's are not known here.
          return {
            space: table,
            key: `tomb:${key}`,
            ...(i === 0 ? { values: shape.cascadeValues } : {}),
            write: false,
          };
        }),
      ];
    case 'append':
      return [{ space: shape.table, key: shape.key, write: true }];
    case 'delete':
      return [
        {
          space: shape.table,
          key: shape.key,
          ...(shape.cascadeValues ? { values: shape.cascadeValues } : {}),
          write: true,
        },
      ];
    case 'tombstone': {
      const [table, key] = split(shape.key);
      return [
        {
          space: table,
          key: `tomb:${key}`,
          ...(shape.cascadeValues ? { values: shape.cascadeValues } : {}),
          write: true,
        },
      ];
    }
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

/** The last round of each kind of access, to place a step after everything it depends on. */
class Schedule {
  private readonly rounds = new Map<string, number>();

  private last(name: string): number {
    return this.rounds.get(name) ?? -1;
  }

  private note(name: string, round: number): void {
    if (round > this.last(name)) this.rounds.set(name, round);
  }

  /** The first round in which a step with these accesses may run; records them. */
  place(list: Access[]): number {
    let round = 0;
    const after = (name: string) => (round = Math.max(round, this.last(name) + 1));
    for (const a of list) {
      const s = a.space;
      if (a.filter) {
        const f = `${a.filter.column}=${a.filter.value}`;
        // Rows that have the value, or whose values are unknown; cascades on other columns or
        // on the same value (different values of one column select different rows).
        after(`${s}|any:${f}`);
        after(`${s}|any:?`);
        after(`${s}|cascade:${f}`);
        for (const other of this.cascadeColumns(s))
          if (other !== a.filter.column) after(`${s}|cascadeColumn:${other}`);
        if (!CASCADE_COLUMNS.includes(a.filter.column)) after(`${s}|any`);
      } else {
        const thing = `${s}|${a.key}`;
        after(`${thing}|w`);
        if (a.write) after(`${thing}|r`);
        if (a.values === undefined) after(`${s}|cascadeAny`);
        else for (const v of a.values) after(`${s}|cascade:${v}`);
        after(`${s}|cascadeOdd`);
      }
    }
    for (const a of list) {
      const s = a.space;
      if (a.filter) {
        const f = `${a.filter.column}=${a.filter.value}`;
        this.note(`${s}|cascade:${f}`, round);
        this.note(`${s}|cascadeAny`, round);
        this.note(`${s}|cascadeColumn:${a.filter.column}`, round);
        this.columns(s).add(a.filter.column);
        if (!CASCADE_COLUMNS.includes(a.filter.column)) this.note(`${s}|cascadeOdd`, round);
      } else {
        this.note(`${s}|${a.key}|${a.write ? 'w' : 'r'}`, round);
        this.note(`${s}|any`, round);
        if (a.values === undefined) this.note(`${s}|any:?`, round);
        else for (const v of a.values) this.note(`${s}|any:${v}`, round);
      }
    }
    return round;
  }

  private readonly cascadeColumnsBySpace = new Map<string, Set<string>>();

  private columns(space: string): Set<string> {
    let set = this.cascadeColumnsBySpace.get(space);
    if (!set) this.cascadeColumnsBySpace.set(space, (set = new Set()));
    return set;
  }

  private cascadeColumns(space: string): Iterable<string> {
    return this.cascadeColumnsBySpace.get(space) ?? [];
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
  let schedule = new Schedule();
  const flush = () => {
    for (const byPlan of rounds)
      for (const group of byPlan.values()) out.push(...merge(group, multi));
    rounds = [];
    schedule = new Schedule();
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
