import type {
  ClaimedDelivery,
  DeliveryAttempt,
  DeliveryRecord,
  DeliveryStatus,
  DeliveryStore,
  DeliveryVerdict,
  DestinationBacklog,
  DestinationState,
} from '../../engine/deliveries.js';
import type { Step } from './commit-steps.js';
import type { Plan } from './plan.js';
import type { SqlExecutor } from './sql-store.js';
import type { Statements } from './statements.js';

interface DeliveryRow {
  id: number | string;
  event_id: string;
  type: string;
  source_id: string | null;
  destination: string;
  lane: string;
  ordered: number;
  replay: number;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number | string;
  last_error: string | null;
  created_at: number | string;
  done_at: number | string | null;
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

function record(r: DeliveryRow): DeliveryRecord {
  return {
    id: Number(r.id),
    eventId: r.event_id,
    type: r.type,
    sourceId: r.source_id,
    destination: r.destination,
    lane: r.lane,
    ordered: Number(r.ordered) === 1,
    replay: Number(r.replay),
    status: r.status,
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    lastError: r.last_error,
    createdAt: Number(r.created_at),
    doneAt: num(r.done_at),
  };
}

/** The delivery store on a SQL database (`SqlStore.deliveries()`). */
/** Attempts written per statement: 7 values each, and D1 binds at most 100 per statement. */
const ATTEMPTS_PER_STATEMENT = 14;

export class SqlDeliveries implements DeliveryStore {
  constructor(
    private readonly db: SqlExecutor,
    private readonly st: Statements,
    private readonly options: { maxInList?: number; asArray?: boolean },
  ) {}

  /** A list's values for a plan over `count` of them (one array value on PostgreSQL). */
  private inList<T>(items: T[], plan: (count: number | 'array') => Plan): [Plan, unknown[]] {
    return this.options.asArray ? [plan('array'), [items]] : [plan(items.length), items];
  }

  async claim(
    destinations: string[],
    now: number,
    leaseUntil: number,
    limit: number,
  ): Promise<ClaimedDelivery[]> {
    if (destinations.length === 0) return [];
    const [plan, names] = this.inList(destinations, (n) => this.st.claimDeliveries(n));
    const lock = this.st.claimLock();
    const rows = await this.db.transaction(async (tx) => {
      if (lock) await tx.get(lock);
      return tx.all<DeliveryRow & { body: string | null }>(plan, [
        leaseUntil,
        now,
        limit,
        ...names,
      ]);
    });
    // RETURNING gives no order: oldest first.
    return rows
      .sort((a, b) => Number(a.id) - Number(b.id))
      .map((r) => ({
        id: Number(r.id),
        eventId: r.event_id,
        type: r.type,
        destination: r.destination,
        lane: r.lane,
        ordered: Number(r.ordered) === 1,
        replay: Number(r.replay),
        attempts: Number(r.attempts),
        body: r.body ?? '',
        leaseUntil,
      }));
  }

  async release(ids: number[]): Promise<void> {
    for (const [plan, values] of this.inLists(ids, (n) => this.st.releaseDeliveries(n)))
      await this.db.run(plan, values);
  }

  /** `inList` over as many lists as the store binds values for. */
  private inLists<T>(items: T[], plan: (count: number | 'array') => Plan): [Plan, unknown[]][] {
    const max = this.options.asArray ? Math.max(items.length, 1) : (this.options.maxInList ?? 500);
    const lists: [Plan, unknown[]][] = [];
    for (let i = 0; i < items.length; i += max)
      lists.push(this.inList(items.slice(i, i + max), plan));
    return lists;
  }

  async record(
    results: { delivery: ClaimedDelivery; attempt: DeliveryAttempt; verdict: DeliveryVerdict }[],
  ): Promise<void> {
    if (results.length === 0) return;
    // One batch of few statements (no reads between them): a single round trip on D1, where
    // statements one by one cost a round trip each (the Worker delivered ~450/s), and each
    // statement of a batch costs too.
    const steps: Step[] = [];
    for (let i = 0; i < results.length; i += ATTEMPTS_PER_STATEMENT) {
      const chunk = results.slice(i, i + ATTEMPTS_PER_STATEMENT);
      steps.push({
        plan: this.st.insertAttempts(chunk.length),
        values: chunk.flatMap(({ delivery: d, attempt: a }) => [
          d.id,
          d.attempts + 1,
          a.at,
          a.statusCode,
          a.durationMs,
          a.error,
          a.response,
        ]),
      });
    }
    const delivered = results.filter((r) => r.verdict.status === 'delivered');
    for (const [plan, values] of this.inLists(
      delivered.map((r) => r.delivery.id),
      (n) => this.st.markDelivered(n),
    ))
      steps.push({ plan, values });
    for (const { delivery: d, attempt: a, verdict: v } of results) {
      if (v.status === 'delivered') continue;
      steps.push({
        plan: this.st.updateDelivery(),
        values: [
          v.status,
          v.status === 'pending' ? v.nextAttemptAt : 0,
          a.error,
          v.status === 'pending' ? null : a.at,
          d.id,
        ],
      });
    }
    // The destinations' health: as of the last result of each.
    const last = new Map(results.map((r) => [r.delivery.destination, r]));
    for (const [name, r] of last)
      steps.push(
        r.verdict.status === 'delivered'
          ? { plan: this.st.destinationSucceeded(), values: [name, r.attempt.at] }
          : { plan: this.st.destinationFailed(), values: [name, r.attempt.at, r.attempt.error] },
      );
    await this.db.transaction((tx) => tx.runSteps(steps));
  }

  async destinations(): Promise<DestinationState[]> {
    const rows = await this.db.all<{
      name: string;
      failing_since: number | string | null;
      disabled_at: number | string | null;
      last_error: string | null;
      last_success_at: number | string | null;
    }>(this.st.selectDestinations());
    return rows.map((r) => ({
      name: r.name,
      failingSince: num(r.failing_since),
      disabledAt: num(r.disabled_at),
      lastError: r.last_error,
      lastSuccessAt: num(r.last_success_at),
    }));
  }

  async backlog(): Promise<DestinationBacklog[]> {
    const rows = await this.db.all<{
      destination: string;
      pending: number | string;
      retrying: number | string;
      failed: number | string;
      oldest: number | string | null;
    }>(this.st.selectBacklog());
    return rows.map((r) => ({
      destination: r.destination,
      pending: Number(r.pending),
      retrying: Number(r.retrying),
      failed: Number(r.failed),
      oldestPendingAt: num(r.oldest),
    }));
  }

  async setDisabled(name: string, at: number | null): Promise<void> {
    await this.db.run(this.st.setDestinationDisabled(), [name, at]);
  }

  async list(filter: {
    destination?: string;
    status?: DeliveryStatus;
    limit: number;
  }): Promise<DeliveryRecord[]> {
    const rows = await this.db.all<DeliveryRow>(this.st.listDeliveries(), [
      filter.destination ?? null,
      filter.status ?? null,
      filter.limit,
    ]);
    return rows.map(record);
  }

  async get(id: number) {
    const row = await this.db.get<DeliveryRow>(this.st.selectDelivery(), [id]);
    if (!row) return null;
    const attempts = await this.db.all<{
      attempt: number;
      at: number | string;
      status_code: number | null;
      duration_ms: number;
      error: string | null;
      response: string | null;
    }>(this.st.selectAttempts(), [id]);
    return {
      delivery: record(row),
      attempts: attempts.map((a) => ({
        attempt: Number(a.attempt),
        at: Number(a.at),
        statusCode: num(a.status_code),
        durationMs: Number(a.duration_ms),
        error: a.error,
        response: a.response,
      })),
    };
  }

  retry(ids: number[] | 'all-failed', now: number): Promise<number> {
    if (ids === 'all-failed') return this.db.run(this.st.retryDeliveries(), [now, null]);
    return this.db.transaction(async (tx) => {
      let n = 0;
      for (const id of ids) n += await tx.run(this.st.retryDeliveries(), [now, id]);
      return n;
    });
  }

  skip(id: number, now: number): Promise<number> {
    return this.db.run(this.st.skipDelivery(), [now, id]);
  }

  replay(
    from: { sinceMs?: number; sinceEventId?: string },
    destination: string | undefined,
    now: number,
  ): Promise<number> {
    const since = from.sinceMs === undefined ? null : new Date(from.sinceMs).toISOString();
    return this.db.run(this.st.replayDeliveries(), [
      now,
      since,
      from.sinceEventId ?? null,
      destination ?? null,
    ]);
  }

  async prune(before: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      await tx.run(this.st.pruneAttempts(), [before]);
      const n = await tx.run(this.st.pruneDeliveries(), [before]);
      await tx.run(this.st.pruneBodies());
      return n;
    });
  }

  /** Outbox rows waiting from before deliveries existed, oldest first (see `adoptOutbox`). */
  pendingOutbox(): Promise<
    { event_id: string; type: string; data: string; lane: string; source_id: string | null }[]
  > {
    return this.db.all(this.st.selectPendingOutbox());
  }
}
