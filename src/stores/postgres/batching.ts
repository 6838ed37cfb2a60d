import { sql, type RawBuilder } from 'kysely';
import { columnType, tableSpec, type ColumnType } from '../../engine/tables.js';
import type { Step, StepShape } from '../sql/commit-steps.js';
import { postgresDialect } from '../sql/dialect.js';
import { param, type Plan } from '../sql/plan.js';
import { Statements } from '../sql/statements.js';

type SlotType = ColumnType | 'int';

const PG_TYPE: Record<SlotType, string> = {
  text: 'text',
  bool: 'boolean',
  json: 'jsonb',
  time: 'timestamptz',
  int: 'integer',
};

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
      case 'cascadeDelete':
        throw new Error('cascades run one statement each');
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
      const guards = Array.from({ length: parents + 1 }, (_, i) =>
        this.guard(v(n + 3 * i), v(n + 3 * i + 1), v(n + 3 * i + 2)),
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
    const types: SlotType[] = [...t.key.map(() => 'text' as const), 'time'];
    return this.rows(`delete|${table}`, types, ({ from, v }) => {
      const where = t.key.map((k, i) => sql`${sql.ref(`${t.name}.${k}`)} = ${v(i)}`);
      return sql`DELETE FROM ${sql.table(t.name)} USING (SELECT * ${from}) AS v WHERE ${sql.join(where, sql` AND `)} AND ${sql.ref(`${t.name}.updated_at`)} <= ${v(t.key.length)}`;
    });
  }

  private tombstoneRows(): Plan {
    return this.rows(
      'tombstone',
      ['text', 'text', 'time'],
      ({ from, v }) =>
        sql`INSERT INTO authsync_tombstones (table_name, ${sql.ref('key')}, deleted_at) SELECT ${v(0)}, ${v(1)}, ${v(2)} ${from} ON CONFLICT (table_name, ${sql.ref('key')}) DO UPDATE SET deleted_at = GREATEST(authsync_tombstones.deleted_at, excluded.deleted_at)`,
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
 * What a step reads and writes. Fine-grained: one row (`row`) or one row's tombstone (`tomb`)
 * of a table. Coarse: a cascade reads or writes rows or tombstones of a table whose keys it
 * does not know in advance, so it is ordered against every fine access to that table.
 */
interface Access {
  kind: 'row' | 'tomb' | 'inbox' | 'outbox';
  table: string;
  /** Absent: every row of the table (a cascade). */
  key?: string;
  write: boolean;
}

function accesses(shape: StepShape): Access[] {
  switch (shape.op) {
    case 'upsert':
      return [
        { kind: 'row', table: shape.table, key: shape.key, write: true },
        ...shape.guards.map((g) => {
          const slash = g.indexOf('/');
          return {
            kind: 'tomb' as const,
            table: g.slice(0, slash),
            key: g.slice(slash + 1),
            write: false,
          };
        }),
      ];
    case 'append':
    case 'delete':
      return [{ kind: 'row', table: shape.table, key: shape.key, write: true }];
    case 'tombstone': {
      const slash = shape.key.indexOf('/');
      return [
        {
          kind: 'tomb',
          table: shape.key.slice(0, slash),
          key: shape.key.slice(slash + 1),
          write: true,
        },
      ];
    }
    case 'inbox':
    case 'outbox':
      return [{ kind: shape.op, table: shape.op, key: shape.key, write: true }];
    case 'cascadeTombstones':
      return [
        { kind: 'row', table: shape.table, write: false },
        { kind: 'tomb', table: shape.table, write: true },
      ];
    case 'cascadeDelete':
      return [{ kind: 'row', table: shape.table, write: true }];
  }
}

/** Rounds of last access, per thing and per table (any of its things), for reads and writes. */
class Schedule {
  private readonly write = new Map<string, number>();
  private readonly read = new Map<string, number>();

  private get(map: Map<string, number>, name: string): number {
    return map.get(name) ?? -1;
  }

  private bump(map: Map<string, number>, name: string, round: number): void {
    if (round > this.get(map, name)) map.set(name, round);
  }

  /** The first round in which a step with these accesses may run; records them. */
  place(list: Access[]): number {
    let round = 0;
    const after = (n: number) => (round = Math.max(round, n + 1));
    for (const a of list) {
      const table = `${a.kind}:${a.table}`;
      if (a.key !== undefined) {
        const thing = `${table}|${a.key}`;
        after(this.get(this.write, thing));
        after(this.get(this.write, `${table}|*`)); // a cascade before it
        if (a.write) after(this.get(this.read, thing));
        if (a.write) after(this.get(this.read, `${table}|*`));
      } else {
        after(this.get(this.write, `${table}|*`));
        after(this.get(this.write, `${table}|any`)); // any fine write before it
        if (a.write) {
          after(this.get(this.read, `${table}|*`));
          after(this.get(this.read, `${table}|any`));
        }
      }
    }
    for (const a of list) {
      const table = `${a.kind}:${a.table}`;
      const map = a.write ? this.write : this.read;
      if (a.key !== undefined) {
        this.bump(map, `${table}|${a.key}`, round);
        this.bump(map, `${table}|any`, round);
      } else {
        this.bump(map, `${table}|*`, round);
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
  const op = group[0]!.shape!.op;
  if (group.length === 1 || op === 'cascadeTombstones' || op === 'cascadeDelete') return group;
  const width = group[0]!.values.length;
  const columns: (string | null)[][] = Array.from({ length: width }, () => []);
  for (const step of group)
    for (let i = 0; i < width; i++) {
      const value = step.values[i];
      columns[i]!.push(value === null || value === undefined ? null : String(value));
    }
  return [{ plan: multi.forShape(group[0]!.shape!), values: columns }];
}
