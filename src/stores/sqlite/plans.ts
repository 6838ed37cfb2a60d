import { tableSpec } from '../../engine/tables.js';

/**
 * Every statement the SQLite store runs, as named functions of their shape, so they can be
 * printed and reviewed. All values are bound parameters; table and column names come only
 * from `TABLES`, never from input.
 */

const tombstoneGuard =
  'NOT EXISTS (SELECT 1 FROM authsync_tombstones WHERE table_name = ? AND key = ? AND deleted_at >= ?)';

/**
 * Insert or update a row unless it, or a parent, was deleted at or after its `updated_at`,
 * and only if it is not older than the stored row. Two versions with the same `updated_at`
 * (two changes in one millisecond) are ordered by the id of the event that wrote them, which
 * ascends in stream order; a row from the first import (no event id) loses such ties.
 * Parameters: the row's columns in table order, then (table, key, updated_at) for the row
 * and for each parent.
 */
export function upsertRow(
  table: string,
  parentCount: number,
  keepIfNull: readonly string[],
): string {
  const t = tableSpec(table);
  const guards = Array.from({ length: parentCount + 1 }, () => tombstoneGuard).join(' AND ');
  const sets = t.columns
    .filter((c) => !t.key.includes(c))
    .map((c) =>
      keepIfNull.includes(c)
        ? `${c} = COALESCE(excluded.${c}, ${t.name}.${c})`
        : `${c} = excluded.${c}`,
    )
    .join(', ');
  return (
    `INSERT INTO ${t.name} (${t.columns.join(', ')}) SELECT ${t.columns.map(() => '?').join(', ')} WHERE ${guards} ` +
    `ON CONFLICT (${t.key.join(', ')}) DO UPDATE SET ${sets} ` +
    `WHERE excluded.updated_at > ${t.name}.updated_at OR (excluded.updated_at = ${t.name}.updated_at ` +
    `AND COALESCE(excluded.last_event_id, '') >= COALESCE(${t.name}.last_event_id, ''))`
  );
}

/** Delete one row by key, unless it was (re)written after the deletion. Parameters: key columns, at. */
export function deleteRow(table: string): string {
  const t = tableSpec(table);
  return `DELETE FROM ${t.name} WHERE ${t.key.map((k) => `${k} = ?`).join(' AND ')} AND updated_at <= ?`;
}

/** Record a deletion; keeps the latest. Parameters: table, key, deleted_at. */
export const recordTombstone =
  'INSERT INTO authsync_tombstones (table_name, key, deleted_at) VALUES (?, ?, ?) ' +
  'ON CONFLICT (table_name, key) DO UPDATE SET deleted_at = MAX(deleted_at, excluded.deleted_at)';

const keyExpression = (table: string) => tableSpec(table).key.join(" || '/' || ");

/** Tombstones for every row a cascade removes. Parameters: at, value, at. */
export function tombstoneWhere(table: string, column: string): string {
  return (
    `INSERT INTO authsync_tombstones (table_name, key, deleted_at) ` +
    `SELECT '${tableSpec(table).name}', ${keyExpression(table)}, ? FROM ${tableSpec(table).name} WHERE ${column} = ? AND updated_at <= ? ` +
    `ON CONFLICT (table_name, key) DO UPDATE SET deleted_at = MAX(deleted_at, excluded.deleted_at)`
  );
}

/** The cascade itself. Parameters: value, at. */
export function deleteWhere(table: string, column: string): string {
  const t = tableSpec(table);
  if (!t.columns.includes(column)) throw new Error(`${table} has no column ${column}`);
  return `DELETE FROM ${t.name} WHERE ${column} = ? AND updated_at <= ?`;
}

/** Append once (activity). Parameters: the row's columns. */
export function appendRow(table: string): string {
  const t = tableSpec(table);
  return `INSERT OR IGNORE INTO ${t.name} (${t.columns.join(', ')}) VALUES (${t.columns.map(() => '?').join(', ')})`;
}

/**
 * An event the pipeline has dealt with. A webhook may have stored it first as `held`: then it
 * takes the pipeline's status now; any other stored event is left as it is.
 * Parameters: id, type, lane, created_at, status, source, received_at, data, api_seen.
 */
export const insertInboxEvent =
  'INSERT INTO authsync_events (id, type, lane, created_at, status, source, received_at, data, api_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ' +
  "ON CONFLICT (id) DO UPDATE SET status = excluded.status, data = excluded.data, api_seen = MAX(authsync_events.api_seen, excluded.api_seen) WHERE authsync_events.status = 'held'";
export const markSeenByApi =
  'UPDATE authsync_events SET api_seen = 1 WHERE id = ? AND api_seen = 0';
export const selectWebhookSeen = 'SELECT webhook_at FROM authsync_events WHERE id = ?';
/** A webhook delivery: held until the API shows the event. Parameters: id, type, lane, created_at, received_at, data, webhook_at. */
export const insertHeldEvent =
  "INSERT INTO authsync_events (id, type, lane, created_at, status, source, received_at, data, webhook_at, api_seen) VALUES (?, ?, ?, ?, 'held', 'webhook', ?, ?, ?, 0) " +
  'ON CONFLICT (id) DO UPDATE SET webhook_at = COALESCE(authsync_events.webhook_at, excluded.webhook_at)';
export const selectHeld =
  "SELECT id, type, lane, created_at, data FROM authsync_events WHERE status = 'held' AND received_at < ? ORDER BY id LIMIT ?";
export const countBacklog =
  "SELECT status, COUNT(*) AS n FROM authsync_events WHERE status IN ('pending', 'dead') GROUP BY status " +
  "UNION ALL SELECT 'held', COUNT(*) FROM authsync_events WHERE status = 'held'";
/** Events a webhook delivered that the API never showed, and the reverse, received in a window. Parameters: from, to. */
export const countSourceGaps =
  "SELECT COALESCE(SUM(webhook_at IS NOT NULL AND api_seen = 0 AND status != 'held'), 0) AS webhook_only, " +
  'COALESCE(SUM(webhook_at IS NULL AND api_seen = 1), 0) AS api_only, COALESCE(SUM(webhook_at IS NOT NULL), 0) AS via_webhook ' +
  'FROM authsync_events WHERE received_at >= ? AND received_at < ?';
export const setInboxStatus = 'UPDATE authsync_events SET status = ? WHERE id = ?';
export const selectInboxEvent =
  'SELECT id, type, lane, created_at, status, data FROM authsync_events WHERE id = ?';
// The `status IN (...)` term repeats the partial index's condition word for word, so SQLite
// is sure to use that index (its proof that one condition implies another is limited).
export const selectPendingInLane =
  "SELECT id, type, lane, created_at, data FROM authsync_events WHERE lane = ? AND status IN ('pending', 'dead') AND status = 'pending' ORDER BY id";
export const selectBlockedLanes = 'SELECT DISTINCT lane FROM authsync_dead_letters';

export const selectCursor =
  "SELECT after_id, range_start, last_event_at FROM authsync_cursor WHERE name = 'workos_events'";
export const upsertCursor =
  "INSERT INTO authsync_cursor (name, after_id, range_start, last_event_at, updated_at) VALUES ('workos_events', ?, ?, ?, ?) " +
  'ON CONFLICT (name) DO UPDATE SET after_id = excluded.after_id, range_start = excluded.range_start, ' +
  'last_event_at = COALESCE(MAX(excluded.last_event_at, COALESCE(authsync_cursor.last_event_at, excluded.last_event_at)), authsync_cursor.last_event_at), updated_at = excluded.updated_at';
export const updateLastEventAt =
  "UPDATE authsync_cursor SET last_event_at = MAX(COALESCE(last_event_at, ''), ?) WHERE name = 'workos_events'";

/** Parameters: event id, event id (its type is read from the inbox), lane, error, failed_at. */
export const insertDeadLetter =
  "INSERT INTO authsync_dead_letters (event_id, type, lane, error, failed_at) VALUES (?, COALESCE((SELECT type FROM authsync_events WHERE id = ?), ''), ?, ?, ?) " +
  'ON CONFLICT (event_id) DO UPDATE SET error = excluded.error, failed_at = excluded.failed_at, attempts = authsync_dead_letters.attempts + 1';
export const deleteDeadLetter = 'DELETE FROM authsync_dead_letters WHERE event_id = ?';
export const selectDeadLetters =
  'SELECT event_id, type, lane, error, failed_at, attempts FROM authsync_dead_letters ORDER BY failed_at';

export const insertOutbox =
  'INSERT OR IGNORE INTO authsync_outbox (event_id, type, data) VALUES (?, ?, ?)';
export const selectOutboxDue =
  'SELECT event_id, type, data, attempts FROM authsync_outbox WHERE done = 0 AND next_attempt_at <= ? ORDER BY rowid LIMIT ?';
export const markOutboxDone =
  'UPDATE authsync_outbox SET done = 1, attempts = attempts + 1, last_error = NULL WHERE event_id = ?';
export const markOutboxFailed =
  'UPDATE authsync_outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE event_id = ?';

// Reconciliation: keys the list endpoints showed are noted in a temporary table (bounded
// memory, whatever the tenant's size), then rows not among them are the ones WorkOS deleted.
export const createReconcileSeen =
  'CREATE TEMP TABLE IF NOT EXISTS authsync_reconcile_seen (table_name TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (table_name, key)) WITHOUT ROWID';
export const clearReconcileSeen = 'DELETE FROM temp.authsync_reconcile_seen';
export const insertReconcileSeen =
  'INSERT OR IGNORE INTO temp.authsync_reconcile_seen (table_name, key) VALUES (?, ?)';

/** The stored `updated_at` of one row. Parameters: the key columns. */
export function selectUpdatedAt(table: string): string {
  const t = tableSpec(table);
  return `SELECT updated_at FROM ${t.name} WHERE ${t.key.map((k) => `${k} = ?`).join(' AND ')}`;
}

/** Keys of rows last written before a time that the list endpoints did not show. Parameters: before. */
export function selectUnseen(table: string): string {
  const t = tableSpec(table);
  return (
    `SELECT ${keyExpression(table)} AS key FROM ${t.name} WHERE updated_at < ? AND NOT EXISTS ` +
    `(SELECT 1 FROM temp.authsync_reconcile_seen s WHERE s.table_name = '${t.name}' AND s.key = ${keyExpression(table)})`
  );
}
