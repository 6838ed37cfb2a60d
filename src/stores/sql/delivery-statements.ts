import { sql, type RawBuilder } from 'kysely';
import { InboxStatements } from './inbox-statements.js';
import { param, type Plan } from './plan.js';

const COLUMNS = sql`id, event_id, type, source_id, destination, lane, ordered, replay, status, attempts, next_attempt_at, last_error, created_at, done_at`;

/**
 * Deliveries (`authsync_deliveries`), their attempts and the destinations' health. A list of
 * destination names is `count` values from `first` on, or (PostgreSQL) one array value.
 */
export class DeliveryStatements extends InboxStatements {
  private names(first: number, count: number | 'array'): RawBuilder<unknown> {
    if (count === 'array') return sql`destination = ANY(CAST(${param(first)} AS text[]))`;
    return sql`destination IN (${sql.join(Array.from({ length: count }, (_, i) => sql`${param(first + i)}`))})`;
  }

  /** Values: event id, type, source id, destination, lane, ordered (0/1), created at. */
  insertDelivery(): Plan {
    return this.plan(
      'delivery',
      () =>
        sql`INSERT INTO authsync_deliveries (event_id, type, source_id, destination, lane, ordered, status, next_attempt_at, created_at) VALUES (${param(0)}, ${param(1)}, ${param(2)}, ${param(3)}, ${param(4)}, ${this.dialect.typed(param(5), 'integer')}, 'pending', 0, ${this.dialect.typed(param(6), 'integer')}) ON CONFLICT DO NOTHING`,
    );
  }

  /**
   * PostgreSQL: commits that write a provider's tables take turns, across processes. Under READ
   * COMMITTED two at once could each miss the other's uncommitted tombstone: a deletion in one
   * (a user's, with its cascades) and an older upsert in the other (a membership of that user,
   * from another lane or process) then both won, and the row stayed. SQLite's write transactions
   * are already one at a time. Values: the provider (its tables are shared by its sources).
   */
  rowsLock(): Plan | null {
    if (this.dialect.name !== 'postgres') return null;
    return this.plan(
      'rowsLock',
      () =>
        sql`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.authsync_rows.' || ${param(0)}))`,
    );
  }

  /**
   * PostgreSQL: claims are taken one at a time (the lock lasts to the end of the transaction),
   * so that a claim sees every earlier one's leases and never takes a lane's second delivery
   * while another process sends its first. SQLite's write transactions are already one at a time.
   */
  claimLock(): Plan | null {
    if (this.dialect.name !== 'postgres') return null;
    return this.plan(
      'deliveryClaimLock',
      () => sql`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.authsync_deliveries'))`,
    );
  }

  /**
   * Due deliveries claimed until a lease ends (their next attempt moved there), oldest first.
   * An ordered one waits while an earlier one of its destination and lane is open and not due
   * (retrying, failed, or leased). Each comes with its event's body (the outbox row's), so a
   * claim is one statement (on D1, one round trip). Values: lease end, now, limit, the
   * destinations.
   */
  claimDeliveries(count: number | 'array'): Plan {
    return this.plan(`claimDeliveries|${count}`, () => {
      const now = this.dialect.typed(param(1), 'integer');
      return sql`UPDATE authsync_deliveries SET next_attempt_at = ${this.dialect.typed(param(0), 'integer')} WHERE id IN (SELECT d.id FROM authsync_deliveries AS d WHERE d.status = 'pending' AND d.next_attempt_at <= ${now} AND d.${this.names(3, count)} AND (d.ordered = 0 OR NOT EXISTS (SELECT 1 FROM authsync_deliveries AS e WHERE e.destination = d.destination AND e.lane = d.lane AND e.id < d.id AND e.status IN ('pending', 'failed') AND (e.status = 'failed' OR e.next_attempt_at > ${now}))) ORDER BY d.id LIMIT ${param(2)}) AND status = 'pending' AND next_attempt_at <= ${now} RETURNING id, event_id, type, destination, lane, ordered, replay, attempts, (SELECT o.data FROM authsync_outbox AS o WHERE o.event_id = authsync_deliveries.event_id) AS body`;
    });
  }

  /** Due again at once. Values: the delivery ids (see `idIn`). */
  releaseDeliveries(count: number | 'array'): Plan {
    return this.plan(
      `releaseDeliveries|${count}`,
      () =>
        sql`UPDATE authsync_deliveries SET next_attempt_at = 0 WHERE status = 'pending' AND ${this.deliveryIdIn(count)}`,
    );
  }

  private deliveryIdIn(count: number | 'array'): RawBuilder<unknown> {
    return count === 'array' ? sql`id = ANY(CAST(${param(0)} AS bigint[]))` : this.idIn(count);
  }

  /** `rows` attempts in one statement, each as `insertAttempt`'s 7 values, one after another. */
  insertAttempts(rows: number): Plan {
    return this.plan(`deliveryAttempts|${rows}`, () => {
      const int = (i: number) => this.dialect.typed(param(i), 'integer');
      const tuples = Array.from({ length: rows }, (_, r) => {
        const b = 7 * r;
        return sql`(${int(b)}, ${int(b + 1)}, ${int(b + 2)}, ${int(b + 3)}, ${int(b + 4)}, ${param(b + 5)}, ${param(b + 6)})`;
      });
      return sql`INSERT INTO authsync_delivery_attempts (delivery_id, attempt, at, status_code, duration_ms, error, response) VALUES ${sql.join(tuples)} ON CONFLICT DO NOTHING`;
    });
  }

  /**
   * Deliveries made, done at the time of their latest attempt (written first, in the same
   * transaction). Values: the delivery ids (see `idIn`).
   */
  markDelivered(count: number | 'array'): Plan {
    return this.plan(
      `deliveriesMade|${count}`,
      () =>
        sql`UPDATE authsync_deliveries SET status = 'delivered', attempts = attempts + 1, next_attempt_at = 0, last_error = NULL, done_at = (SELECT MAX(a.at) FROM authsync_delivery_attempts AS a WHERE a.delivery_id = authsync_deliveries.id) WHERE ${this.deliveryIdIn(count)}`,
    );
  }

  /** Values: delivery id, attempt, at, status code, duration, error, response. */
  insertAttempt(): Plan {
    return this.plan('deliveryAttempt', () => {
      const int = (i: number) => this.dialect.typed(param(i), 'integer');
      return sql`INSERT INTO authsync_delivery_attempts (delivery_id, attempt, at, status_code, duration_ms, error, response) VALUES (${int(0)}, ${int(1)}, ${int(2)}, ${int(3)}, ${int(4)}, ${param(5)}, ${param(6)}) ON CONFLICT DO NOTHING`;
    });
  }

  /** Values: status, next attempt at, last error, done at, delivery id. */
  updateDelivery(): Plan {
    return this.plan('deliveryVerdict', () => {
      const int = (i: number) => this.dialect.typed(param(i), 'integer');
      return sql`UPDATE authsync_deliveries SET status = ${param(0)}, attempts = attempts + 1, next_attempt_at = ${int(1)}, last_error = ${param(2)}, done_at = ${int(3)} WHERE id = ${int(4)}`;
    });
  }

  /** A destination answered: healthy. Values: name, at. */
  destinationSucceeded(): Plan {
    return this.plan(
      'destinationOk',
      () =>
        sql`INSERT INTO authsync_destinations (name, last_success_at) VALUES (${param(0)}, ${this.dialect.typed(param(1), 'integer')}) ON CONFLICT (name) DO UPDATE SET last_success_at = excluded.last_success_at, failing_since = NULL, last_error = NULL`,
    );
  }

  /** A destination failed: failing since its first failure in a row. Values: name, at, error. */
  destinationFailed(): Plan {
    return this.plan(
      'destinationFailed',
      () =>
        sql`INSERT INTO authsync_destinations (name, failing_since, last_error) VALUES (${param(0)}, ${this.dialect.typed(param(1), 'integer')}, ${param(2)}) ON CONFLICT (name) DO UPDATE SET failing_since = COALESCE(authsync_destinations.failing_since, excluded.failing_since), last_error = excluded.last_error`,
    );
  }

  /** Values: name, disabled at (null: enabled again, its failing streak forgotten). */
  setDestinationDisabled(): Plan {
    return this.plan('destinationDisabled', () => {
      const at = this.dialect.typed(param(1), 'integer');
      return sql`INSERT INTO authsync_destinations (name, disabled_at) VALUES (${param(0)}, ${at}) ON CONFLICT (name) DO UPDATE SET disabled_at = excluded.disabled_at, failing_since = CASE WHEN excluded.disabled_at IS NULL THEN NULL ELSE authsync_destinations.failing_since END`;
    });
  }

  selectDestinations(): Plan {
    return this.plan(
      'destinations',
      () =>
        sql`SELECT name, failing_since, disabled_at, last_error, last_success_at FROM authsync_destinations ORDER BY name`,
    );
  }

  /** Open deliveries per destination. */
  selectBacklog(): Plan {
    return this.plan(
      'deliveryBacklog',
      () =>
        sql`SELECT destination, SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) AS pending, SUM(CASE WHEN status = 'pending' AND attempts > 0 THEN 1 ELSE 0 END) AS retrying, SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed, MIN(CASE WHEN status = 'pending' THEN created_at END) AS oldest FROM authsync_deliveries WHERE status IN ('pending', 'failed') GROUP BY destination ORDER BY destination`,
    );
  }

  /** Newest first. Values: destination or null, status or null, limit. */
  listDeliveries(): Plan {
    return this.plan('deliveries', () => {
      const text = (i: number) => this.dialect.typed(param(i), 'text');
      return sql`SELECT ${COLUMNS} FROM authsync_deliveries WHERE (${text(0)} IS NULL OR destination = ${text(0)}) AND (${text(1)} IS NULL OR status = ${text(1)}) ORDER BY id DESC LIMIT ${param(2)}`;
    });
  }

  /** Values: delivery id. */
  selectDelivery(): Plan {
    return this.plan(
      'deliveryById',
      () =>
        sql`SELECT ${COLUMNS} FROM authsync_deliveries WHERE id = ${this.dialect.typed(param(0), 'integer')}`,
    );
  }

  /** Values: delivery id. */
  selectAttempts(): Plan {
    return this.plan(
      'deliveryAttempts',
      () =>
        sql`SELECT attempt, at, status_code, duration_ms, error, response FROM authsync_delivery_attempts WHERE delivery_id = ${this.dialect.typed(param(0), 'integer')} ORDER BY attempt`,
    );
  }

  /** Due at once, failed ones pending again. Values: now, delivery id (null: every failed one). */
  retryDeliveries(): Plan {
    return this.plan('deliveryRetry', () => {
      const id = this.dialect.typed(param(1), 'integer');
      return sql`UPDATE authsync_deliveries SET status = 'pending', next_attempt_at = ${this.dialect.typed(param(0), 'integer')}, done_at = NULL WHERE (${id} IS NULL AND status = 'failed') OR (id = ${id} AND status IN ('pending', 'failed'))`;
    });
  }

  /** Values: now, delivery id. */
  skipDelivery(): Plan {
    return this.plan(
      'deliverySkip',
      () =>
        sql`UPDATE authsync_deliveries SET status = 'skipped', done_at = ${this.dialect.typed(param(0), 'integer')} WHERE id = ${this.dialect.typed(param(1), 'integer')} AND status IN ('pending', 'failed')`,
    );
  }

  /**
   * New deliveries, marked as the next replay, of the first deliveries made from a point on:
   * events created since a time, or deliveries from an event's own on; one destination or all.
   * Values: now, since (time or null), since event id (or null), destination (or null).
   */
  replayDeliveries(): Plan {
    return this.plan('deliveryReplay', () => {
      const text = (i: number) => this.dialect.typed(param(i), 'text');
      const since = this.dialect.typed(param(1), 'time');
      return sql`INSERT INTO authsync_deliveries (event_id, type, source_id, destination, lane, ordered, replay, status, next_attempt_at, created_at) SELECT d.event_id, d.type, d.source_id, d.destination, d.lane, d.ordered, (SELECT MAX(r.replay) FROM authsync_deliveries AS r WHERE r.destination = d.destination AND r.event_id = d.event_id) + 1, 'pending', 0, ${this.dialect.typed(param(0), 'integer')} FROM authsync_deliveries AS d LEFT JOIN authsync_events AS ev ON ev.id = d.event_id WHERE d.replay = 0 AND (${text(3)} IS NULL OR d.destination = ${text(3)}) AND ((${since} IS NOT NULL AND ev.created_at >= ${since}) OR (${text(2)} IS NOT NULL AND d.id >= (SELECT MIN(f.id) FROM authsync_deliveries AS f WHERE f.event_id = ${text(2)}))) AND EXISTS (SELECT 1 FROM authsync_outbox AS o WHERE o.event_id = d.event_id AND o.data <> '') ORDER BY d.id`;
    });
  }

  /** Values: done before (ms). */
  pruneAttempts(): Plan {
    return this.plan(
      'pruneAttempts',
      () =>
        sql`DELETE FROM authsync_delivery_attempts WHERE delivery_id IN (SELECT id FROM authsync_deliveries WHERE status IN ('delivered', 'skipped') AND done_at < ${this.dialect.typed(param(0), 'integer')})`,
    );
  }

  /** Values: done before (ms). */
  pruneDeliveries(): Plan {
    return this.plan(
      'pruneDeliveries',
      () =>
        sql`DELETE FROM authsync_deliveries WHERE status IN ('delivered', 'skipped') AND done_at < ${this.dialect.typed(param(0), 'integer')}`,
    );
  }

  /** Bodies no delivery or handler needs any more. */
  pruneBodies(): Plan {
    return this.plan(
      'pruneBodies',
      () =>
        sql`UPDATE authsync_outbox SET data = '' WHERE done = 1 AND data <> '' AND NOT EXISTS (SELECT 1 FROM authsync_deliveries AS d WHERE d.event_id = authsync_outbox.event_id)`,
    );
  }

  /** Pending outbox rows from before deliveries (adopted once by a configured destination). */
  selectPendingOutbox(): Plan {
    return this.plan(
      'pendingOutbox',
      () =>
        sql`SELECT o.event_id, o.type, o.data, COALESCE(ev.lane, '') AS lane, ev.source_id FROM authsync_outbox AS o LEFT JOIN authsync_events AS ev ON ev.id = o.event_id WHERE o.done = 0 AND NOT EXISTS (SELECT 1 FROM authsync_deliveries AS d WHERE d.event_id = o.event_id) ORDER BY o.${sql.ref(this.dialect.insertionOrder)}`,
    );
  }
}
