import { sql, type RawBuilder } from 'kysely';
import { param, type Plan } from './plan.js';
import { RowStatements } from './row-statements.js';

/** The inbox: stream positions, events received and held, their statuses, lookups by id and lane. */
export class InboxStatements extends RowStatements {
  /**
   * Hands out `n` stream positions for the inbox rows of one commit: run first, it also holds
   * the counter's row lock to the end of the transaction, so commits never share a position.
   * Values: n.
   */
  reservePositions(): Plan {
    return this.plan(
      'reserve',
      () =>
        sql`INSERT INTO authsync_sequence (name, value) VALUES ('inbox', ${param(0)}) ON CONFLICT (name) DO UPDATE SET value = authsync_sequence.value + excluded.value`,
    );
  }

  /**
   * An event's stream position: `key` (its id, where ids sort in stream order), else the
   * engine's number `offset` from the last one reserved (0: the last; -1: the one before...).
   */
  protected streamPosition(
    key: RawBuilder<unknown>,
    offset: RawBuilder<unknown>,
  ): RawBuilder<unknown> {
    const numbered = sql`(SELECT value FROM authsync_sequence WHERE name = 'inbox') + ${this.dialect.typed(offset, 'integer')}`;
    return sql`COALESCE(${key}, ${this.dialect.zeroPadded(numbered)})`;
  }

  /**
   * An event the pipeline has dealt with, at its stream position. A webhook may have stored it
   * first as `held`: then it takes the pipeline's status now; any other stored event keeps its
   * status.
   * Values: id, type, lane, created_at, status, source, received_at, data, api_seen, order
   * key, position offset (see `streamPosition`), source id.
   */
  insertInboxEvent(): Plan {
    return (this.inboxPlan ??= this.plan('inbox', () => {
      const seen = this.dialect.greatest(
        sql.ref('authsync_events.api_seen'),
        sql.ref('excluded.api_seen'),
      );
      return sql`INSERT INTO authsync_events (id, type, lane, created_at, status, source, received_at, data, api_seen, position, source_id) VALUES (${sql.join(
        [0, 1, 2, 3, 4, 5].map((i) => sql`${param(i)}`),
      )}, ${this.dialect.typed(param(6), 'time')}, ${param(7)}, ${param(8)}, ${this.streamPosition(sql`${param(9)}`, sql`${param(10)}`)}, ${param(11)}) ${this.inboxConflict(seen)}`;
    }));
  }

  /**
   * An event already in the inbox that the API shows now: if it had not (applied from a
   * webhook), it learns so and takes this stream position. Values: id, order key, position
   * offset.
   */
  markSeenByApi(): Plan {
    return this.plan(
      'seenByApi',
      () =>
        sql`UPDATE authsync_events SET api_seen = 1, position = ${this.streamPosition(sql`${param(1)}`, sql`${param(2)}`)} WHERE id = ${param(0)} AND api_seen = 0`,
    );
  }

  /**
   * A held row takes the pipeline's status and body. Any row learns that the API has shown it,
   * even one a webhook sweep applied while the reader had the same event in hand; a row the
   * API had not shown (held, or applied from a webhook) takes the position the stream gives
   * it now, so later ties order it where the provider did.
   */
  inboxConflict(seen: RawBuilder<unknown>): RawBuilder<unknown> {
    const held = sql`authsync_events.status IN ('held', 'queued')`;
    const unplaced = sql`authsync_events.status = 'held' OR authsync_events.api_seen = 0`;
    return sql`ON CONFLICT (id) DO UPDATE SET status = CASE WHEN ${held} THEN excluded.status ELSE authsync_events.status END, data = CASE WHEN ${held} THEN excluded.data ELSE authsync_events.data END, api_seen = ${seen}, position = CASE WHEN ${unplaced} THEN excluded.position ELSE authsync_events.position END`;
  }

  /**
   * A webhook delivery: held until the API shows it; an event the inbox has (from the API)
   * only records that a webhook came. Returns the id for the first delivery of an event and
   * nothing for a repeat — decided by the write itself, so two deliveries committed at once by
   * two processes or connections cannot both count as the first.
   * Values: id, type, lane, created_at, received_at, data, order key (or null), source id.
   */
  insertHeldEvent(): Plan {
    return this.plan('held', () => {
      const at = this.dialect.typed(param(4), 'time');
      return sql`INSERT INTO authsync_events (id, type, lane, created_at, status, source, received_at, data, webhook_at, api_seen, position, source_id) VALUES (${param(0)}, ${param(1)}, ${param(2)}, ${param(3)}, 'held', 'webhook', ${at}, ${param(5)}, ${at}, 0, ${param(6)}, ${param(7)}) ON CONFLICT (id) DO UPDATE SET webhook_at = excluded.webhook_at WHERE authsync_events.webhook_at IS NULL RETURNING id`;
    });
  }

  /**
   * A source's own inbox rows (and those from before rows had a source, which every source
   * takes as its own): another provider's events are not its projections' to apply.
   */
  protected ownRows(sourceId: RawBuilder<unknown>, table = 'authsync_events'): RawBuilder<unknown> {
    return sql`(${sql.ref(`${table}.source_id`)} = ${sourceId} OR ${sql.ref(`${table}.source_id`)} IS NULL)`;
  }

  /** Values: received before, limit, source id. */
  selectHeld(): Plan {
    return this.plan(
      'selectHeld',
      () =>
        sql`SELECT id, type, lane, created_at, data FROM authsync_events WHERE status = 'held' AND received_at < ${this.dialect.typed(param(0), 'time')} AND ${this.ownRows(sql`${param(2)}`)} ORDER BY position, created_at, received_at LIMIT ${param(1)}`,
    );
  }

  /** Values: source id. */
  countBacklog(): Plan {
    return this.plan(
      'backlog',
      () =>
        sql`SELECT status, COUNT(*) AS n FROM authsync_events WHERE status IN ('pending', 'dead') AND ${this.ownRows(sql`${param(0)}`)} GROUP BY status UNION ALL SELECT 'held', COUNT(*) FROM authsync_events WHERE status = 'held' AND ${this.ownRows(sql`${param(0)}`)}`,
    );
  }

  /** Events a webhook delivered that the API never showed, and the reverse, received in a window. Values: from, to, source id. */
  countSourceGaps(): Plan {
    const count = (condition: RawBuilder<unknown>) =>
      sql`COALESCE(SUM(CASE WHEN ${condition} THEN 1 ELSE 0 END), 0)`;
    return this.plan(
      'sourceGaps',
      () =>
        sql`SELECT ${count(sql`webhook_at IS NOT NULL AND api_seen = 0 AND status <> 'held'`)} AS webhook_only, ${count(sql`webhook_at IS NULL AND api_seen = 1`)} AS api_only, ${count(sql`webhook_at IS NOT NULL`)} AS via_webhook FROM authsync_events WHERE received_at >= ${this.dialect.typed(param(0), 'time')} AND received_at < ${this.dialect.typed(param(1), 'time')} AND ${this.ownRows(sql`${param(2)}`)}`,
    );
  }

  /** Values: status, id. */
  setInboxStatus(): Plan {
    return this.plan(
      'setStatus',
      () => sql`UPDATE authsync_events SET status = ${param(0)} WHERE id = ${param(1)}`,
    );
  }

  /** Values: id. */
  selectInboxEvent(): Plan {
    return this.plan(
      'inboxEvent',
      () =>
        sql`SELECT id, type, lane, created_at, status, data FROM authsync_events WHERE id = ${param(0)}`,
    );
  }

  /** Values: the ids (see `idIn`). */
  selectQueued(count: number | 'array'): Plan {
    return this.plan(
      `queued|${count}`,
      () =>
        sql`SELECT id, type, lane, created_at, data FROM authsync_events WHERE ${this.idIn(count)} AND status = 'queued' ORDER BY position`,
    );
  }

  /** Values: the ids (see `idIn`). */
  selectKnown(count: number | 'array'): Plan {
    return this.plan(
      `known|${count}`,
      () => sql`SELECT id FROM authsync_events WHERE ${this.idIn(count)} AND status <> 'held'`,
    );
  }

  // The `status IN (...)` term repeats the partial index's condition word for word, so SQLite
  // is sure to use that index (its proof that one condition implies another is limited).
  /** Values: lane. */
  selectPendingInLane(): Plan {
    return this.plan(
      'pendingInLane',
      () =>
        sql`SELECT id, type, lane, created_at, data FROM authsync_events WHERE lane = ${param(0)} AND status IN ('pending', 'dead') AND status = 'pending' ORDER BY position`,
    );
  }

  selectBlockedLanes(): Plan {
    return this.plan('blockedLanes', () => sql`SELECT DISTINCT lane FROM authsync_dead_letters`);
  }
}
