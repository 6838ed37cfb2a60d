import type { Row, RowChange } from '../../engine/changes.js';
import type { CommitBatch, SourceIdentity } from '../../engine/store.js';
import { rowKey, type TableSpec } from '../../engine/tables.js';
import type { Plan } from './plan.js';
import type { Statements } from './statements.js';

/**
 * What a step writes, for stores that send many rows in one statement (PostgreSQL): steps of
 * the same shape on different rows can be merged; `key` names the row.
 */
export type StepShape =
  | {
      op: 'upsert';
      table: string;
      parents: number;
      keepIfNull: readonly string[];
      key: string;
      /** The tombstones its guard reads: the row's and each parent's. */
      guards: { table: string; key: string }[];
      /** `column=value` of the row for the columns cascades select rows by. */
      cascadeValues: string[];
    }
  | { op: 'append'; table: string; key: string }
  | { op: 'delete'; table: string; key: string; cascadeValues?: string[] }
  | { op: 'tombstone'; table: string; key: string; cascadeValues?: string[] }
  /** A cascade's two statements: tombstones for the rows it removes, then the removal. */
  | {
      op: 'cascadeTombstones' | 'cascadeDelete';
      table: string;
      column: string;
      /** The column's value. */
      key: string;
    }
  | { op: 'stamp'; table: string; column: string; key: string }
  | { op: 'inbox'; key: string }
  | { op: 'outbox'; key: string };

/** One statement to run, with its values in the order its plan lists them. */
export interface Step {
  plan: Plan;
  values: unknown[];
  /** Only where asked for (`withShapes`): stores that run steps one by one never read it. */
  shape?: StepShape;
}

/**
 * The statements of one commit, in the order they must run: inbox, row changes, dead letters,
 * deliveries, cursor. Every SQL store runs exactly these inside one transaction.
 */
export function* commitSteps(
  st: Statements,
  batch: CommitBatch,
  source: SourceIdentity,
  now: string,
  /** Describe each step (`StepShape`) for a store that merges them. */
  withShapes = false,
): Generator<Step> {
  // Before anything else, so that no commit waits for it while holding a row lock another
  // commit under it needs (the inbox's, the sequence's): see `rowsLock`.
  const lock = batch.changes.length > 0 ? st.rowsLock() : null;
  if (lock) yield { plan: lock, values: [source.provider] };
  // Each inbox row at its stream position: where ids are not positions, the engine's numbers
  // are reserved first, in one statement (which also orders concurrent commits).
  const n = batch.received.length;
  if (n > 0 && !st.orderedIds) yield { plan: st.reservePositions(), values: [n] };
  let position = 1 - n;
  for (const { event, status, source: via } of batch.received) {
    if (status === 'seen') {
      yield {
        plan: st.markSeenByApi(),
        values: [event.id, st.orderedIds ? event.id : null, position++],
      };
      continue;
    }
    yield {
      plan: st.insertInboxEvent(),
      values: [
        event.id,
        event.type,
        event.lane,
        event.createdAt,
        status,
        via,
        now,
        // Applied events need no body kept (replay re-reads the API); waiting and dead ones do.
        status === 'applied' ? '' : event.json,
        via === 'webhook' ? 0 : 1,
        st.orderedIds ? event.id : null,
        position++,
        source.id,
      ],
      ...(withShapes ? { shape: { op: 'inbox', key: event.id } } : {}),
    };
  }
  for (const { eventId, status } of batch.statusChanges)
    yield { plan: st.setInboxStatus(), values: [status, eventId] };
  for (const change of batch.changes) {
    // Upserts and appends, nearly every change, without a generator each.
    if (change.op === 'upsert') yield upsertStep(st, change, withShapes);
    else if (change.op === 'append') yield appendStep(st, change, withShapes);
    else yield* changeSteps(st, change, withShapes);
  }
  for (const d of batch.deadLetters)
    yield { plan: st.insertDeadLetter(), values: [d.eventId, d.lane, d.error, now] };
  for (const id of batch.resolvedDeadLetters) yield { plan: st.deleteDeadLetter(), values: [id] };
  for (const o of batch.outbox)
    yield {
      plan: st.insertOutbox(),
      values: [o.eventId, o.type, o.json],
      ...(withShapes ? { shape: { op: 'outbox', key: o.eventId } } : {}),
    };
  if (batch.deliveries.length > 0) {
    const at = Date.parse(now);
    for (const d of batch.deliveries)
      yield {
        plan: st.insertDelivery(),
        values: [d.eventId, d.type, d.sourceId, d.destination, d.lane, d.ordered ? 1 : 0, at],
      };
  }
  if (batch.cursor) {
    yield {
      plan: st.upsertCursor(),
      values: [
        source.id,
        source.provider,
        batch.cursor.after,
        batch.cursor.rangeStart,
        batch.lastEventAt ?? null,
        now,
      ],
    };
  } else if (batch.lastEventAt) {
    yield { plan: st.updateLastEventAt(), values: [source.id, batch.lastEventAt] };
  }
}

/** The statements of one row change. For an upsert, the first step is the write itself. */
export function* changeSteps(
  st: Statements,
  change: RowChange,
  withShapes = false,
): Generator<Step> {
  // Shapes only where they are read (building them was a third of a commit's garbage), and no
  // closures or growing arrays per change: this runs for every event.
  switch (change.op) {
    case 'upsert':
      yield upsertStep(st, change, withShapes);
      return;
    case 'delete': {
      const cascadeValues = withShapes ? deletedValues(st, change.table, change.object) : undefined;
      const remove: Step = {
        plan: st.deleteRow(change.table),
        values: [...change.key.split('/'), change.at, change.eventId ?? null],
      };
      const tombstone: Step = {
        plan: st.recordTombstone(),
        values: [change.table, change.key, change.at, change.eventId ?? null],
      };
      if (withShapes) {
        remove.shape = { op: 'delete', table: change.table, key: change.key, cascadeValues };
        tombstone.shape = { op: 'tombstone', table: change.table, key: change.key, cascadeValues };
      }
      yield remove;
      yield tombstone;
      return;
    }
    case 'deleteWhere': {
      const cascade = { table: change.table, column: change.column, key: change.value };
      const tombstones: Step = {
        plan: st.tombstoneWhere(change.table, change.column),
        values: [change.at, change.value, change.eventId ?? null],
      };
      const remove: Step = {
        plan: st.deleteWhere(change.table, change.column),
        values: [change.value, change.at, change.eventId ?? null],
      };
      if (withShapes) {
        tombstones.shape = { op: 'cascadeTombstones', ...cascade };
        remove.shape = { op: 'cascadeDelete', ...cascade };
      }
      yield tombstones;
      yield remove;
      return;
    }
    case 'append':
      yield appendStep(st, change, withShapes);
      return;
    case 'listEdit':
      // No shape: PostgreSQL runs it where it stands, after everything before it (its guard
      // reads another table's row). Rare: domain events only.
      yield {
        plan: st.editList(change.edit, change.table, change.column, change.whileRow?.table ?? null),
        values: change.whileRow
          ? [change.key, change.value, change.whileRow.key]
          : [change.key, change.value],
      };
      return;
    case 'stamp': {
      const step: Step = {
        plan: st.stampRow(change.table, change.column),
        values: [change.key, change.at],
      };
      if (withShapes)
        step.shape = { op: 'stamp', table: change.table, column: change.column, key: change.key };
      yield step;
      return;
    }
  }
}

const NONE: readonly never[] = [];

/** The row's values in its table's column order, in an array with room for `more` after them. */
function columnValues(t: TableSpec, row: Row, more: number): unknown[] {
  const n = t.columns.length;
  const values = new Array<unknown>(n + more);
  for (let i = 0; i < n; i++) values[i] = row[t.columns[i]!] ?? null;
  return values;
}

function upsertStep(
  st: Statements,
  change: Extract<RowChange, { op: 'upsert' }>,
  withShapes: boolean,
): Step {
  const t = st.tables.spec(change.table);
  const parents = change.parents ?? NONE;
  const keepIfNull = change.keepIfNull ?? NONE;
  const n = t.columns.length;
  const values = columnValues(t, change.row, 3 * (1 + parents.length));
  const key = rowKey(t, change.row);
  values[n] = t.name;
  values[n + 1] = key;
  values[n + 2] = change.updatedAt;
  let j = n + 3;
  for (const p of parents) {
    values[j++] = p.table;
    values[j++] = p.key;
    values[j++] = change.updatedAt;
  }
  const step: Step = { plan: st.upsertRow(change.table, parents.length, keepIfNull), values };
  if (withShapes)
    step.shape = {
      op: 'upsert',
      table: change.table,
      parents: parents.length,
      keepIfNull,
      key,
      guards: [{ table: t.name, key }, ...parents],
      cascadeValues: st.tables.cascadeColumns
        .filter((c) => change.row[c] != null)
        .map((c) => `${c}=${String(change.row[c])}`),
    };
  return step;
}

function appendStep(
  st: Statements,
  change: Extract<RowChange, { op: 'append' }>,
  withShapes: boolean,
): Step {
  const t = st.tables.spec(change.table);
  const step: Step = { plan: st.appendRow(change.table), values: columnValues(t, change.row, 0) };
  if (withShapes) step.shape = { op: 'append', table: change.table, key: rowKey(t, change.row) };
  return step;
}

/**
 * The `column=value` pairs of a deleted row for the cascade columns its table has, from the
 * object its event shows; undefined (unknown) unless the object gives every one of them.
 */
function deletedValues(
  st: Statements,
  table: string,
  object: Record<string, unknown> | undefined,
): string[] | undefined {
  if (!object) return undefined;
  const values: string[] = [];
  const columns = st.tables.spec(table).columns;
  for (const c of st.tables.cascadeColumns) {
    if (!columns.includes(c)) continue;
    if (!(c in object)) return undefined;
    if (object[c] != null) values.push(`${c}=${String(object[c])}`);
  }
  return values;
}
