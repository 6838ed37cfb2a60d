import { sql } from 'kysely';
import { DeliveryStatements } from './delivery-statements.js';
import { param, type Plan } from './plan.js';

export { tieColumns, timelessColumns } from './row-statements.js';

/**
 * Every statement the SQL stores run, written once with Kysely and compiled per dialect. Values
 * are always bound parameters; table and column names come only from the catalog the store is
 * given, never from input. Each method returns the compiled plan of one statement shape
 * (compiled on first use); the comment above it lists the values it takes, in order. By family:
 * `statements-base.ts` (plans, ordering), `row-statements.ts`, `inbox-statements.ts`, `delivery-statements.ts`, and here
 * the cursor, dead letters, outbox, state, counts and reconciliation.
 */
export class Statements extends DeliveryStatements {
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

  /** Values: source id. */
  selectDeadLetters(): Plan {
    return this.plan(
      'deadLetters',
      () =>
        sql`SELECT d.event_id, d.type, d.lane, d.error, d.failed_at, d.attempts FROM authsync_dead_letters AS d LEFT JOIN authsync_events ON authsync_events.id = d.event_id WHERE ${this.ownRows(sql`${param(0)}`)} ORDER BY d.failed_at`,
    );
  }

  /**
   * Values: event id, type, data. The body the event's deliveries send (and replays re-send);
   * `done` is 1 from the start (0 only in rows an older authsync left for its effects, which
   * `adoptOutbox` turns into deliveries).
   */
  insertOutbox(): Plan {
    return this.plan(
      'outbox',
      () =>
        sql`INSERT INTO authsync_outbox (event_id, type, data, done) VALUES (${param(0)}, ${param(1)}, ${param(2)}, 1) ON CONFLICT DO NOTHING`,
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

  /** Values: limit, source id. */
  selectLaneBacklog(): Plan {
    return this.plan('laneBacklog', () => {
      const own = this.ownRows(sql`${param(1)}`);
      // Each branch repeats its partial index's condition word for word (SQLite uses it then).
      return sql`SELECT lane, SUM(waiting) AS waiting, SUM(queued) AS queued FROM (SELECT lane, 1 AS waiting, 0 AS queued FROM authsync_events WHERE status = 'pending' AND ${own} UNION ALL SELECT lane, 0 AS waiting, 1 AS queued FROM authsync_events WHERE status = 'queued' AND ${own}) AS backlog GROUP BY lane ORDER BY COUNT(*) DESC, lane LIMIT ${param(0)}`;
    });
  }

  /** Values: source id. */
  countInboxByStatus(): Plan {
    return this.plan(
      'inboxByStatus',
      () =>
        sql`SELECT status, COUNT(*) AS n FROM authsync_events WHERE ${this.ownRows(sql`${param(0)}`)} GROUP BY status`,
    );
  }

  /** Values: source id. */
  countDeadLetters(): Plan {
    return this.plan(
      'countDead',
      () =>
        sql`SELECT COUNT(*) AS n FROM authsync_dead_letters AS d LEFT JOIN authsync_events ON authsync_events.id = d.event_id WHERE ${this.ownRows(sql`${param(0)}`)}`,
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
