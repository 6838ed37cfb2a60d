import { storableJson } from './storable-text.js';
/**
 * What projections ask of a store: pure descriptions of row changes, which every store turns
 * into guarded SQL. Rows are keyed by their table's key columns (see `TABLES`).
 */
export type SqlValue = string | number | null;
export type Row = Record<string, SqlValue>;

export interface Upsert {
  op: 'upsert';
  table: string;
  row: Row;
  /** The object's `updated_at` (or the event time for objects without one). */
  updatedAt: string;
  /** Rows whose deletion at or after `updatedAt` means this row must not be written either. */
  parents?: { table: string; key: string }[];
  /** Columns an event may not know (null there): an upsert keeps the stored value instead. */
  keepIfNull?: string[];
  /**
   * The object has no time of its own (`updatedAt` is when it was read or changed): a
   * reconciliation rewrites an existing row only where its content differs.
   */
  timeless?: boolean;
}

export interface Delete {
  op: 'delete';
  table: string;
  key: string;
  /** When the deletion happened (the event's `created_at`); later-dated upserts may recreate. */
  at: string;
  /** The deleting event: orders the deletion against writes in the same millisecond. */
  eventId?: string;
  /**
   * The object as the event shows it, when it does: its foreign keys tell a store which
   * cascades (`DeleteWhere`) could touch the same row.
   */
  object?: Record<string, unknown>;
}

/** Deletes (with tombstones) every row of `table` whose `column` equals `value`: cascades. */
export interface DeleteWhere {
  op: 'deleteWhere';
  table: string;
  column: string;
  value: string;
  at: string;
  /** As for Delete. */
  eventId?: string;
}

/** Appends a row once (keyed by its primary key): activity records. */
export interface Append {
  op: 'append';
  table: string;
  row: Row;
}

/**
 * Moves a time column of an existing row forward, never back and never creating the row (a
 * deleted one stays deleted): what a provider changes without an event of the object itself,
 * such as `last_sign_in_at` on a sign-in.
 */
export interface Stamp {
  op: 'stamp';
  table: string;
  /** The row's key (tables with a one-column key). */
  key: string;
  column: string;
  at: string;
}

/**
 * Adds a string to, or removes it from, a JSON array column of an existing row: an
 * organization's `domains` on a domain event, which may come with no organization event. An add
 * happens once (not if present) and only while `whileRow` exists (a replayed creation of a domain
 * deleted since adds nothing); a remove takes every copy.
 */
export interface ListEdit {
  op: 'listEdit';
  edit: 'add' | 'remove';
  table: string;
  /** The row's key (tables with a one-column key). */
  key: string;
  column: string;
  value: string;
  whileRow?: { table: string; key: string };
}

export type RowChange = Upsert | Delete | DeleteWhere | Append | Stamp | ListEdit;

/** A JSON column's text (see `storableJson`: NUL and lone surrogates become U+FFFD). */
export const json = (value: unknown): string | null =>
  value === undefined || value === null ? null : storableJson(value);
export const bool = (value: unknown): number | null =>
  typeof value === 'boolean' ? (value ? 1 : 0) : null;
