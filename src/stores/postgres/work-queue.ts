import type { PgBoss as PgBossType } from 'pg-boss';
import { optionalPackage } from '../optional-package.js';
import { sleep } from '../../engine/sleep.js';

/** The queue of apply jobs: one per key (a group of lanes) per committed batch, a key's jobs in order. */
export const APPLY_QUEUE = 'authsync-apply';

/** What pg-boss needs to run its statements inside one of our transactions. */
export interface QueueTransaction {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * The work after reading (applying events, with their deliveries), spread over every process
 * on the database through pg-boss. Jobs are keyed by a hash of the lane (organization; see
 * `workKey`: 64 keys) on a `key_strict_fifo` queue: a key's jobs run one at a time, in the order
 * they were sent, on whichever process fetches them, while other keys run in parallel. The reader sends them in the transaction that
 * stores the events and moves the cursor, so a job exists exactly when its events are stored.
 * pg-boss keeps its tables in a schema of its own (`<schema>_pgboss`).
 */
export class PgWorkQueue {
  private readonly boss: PgBossType;
  private started: Promise<void> | null = null;

  private readonly expireSeconds: number;

  /** `expireSeconds`: a job a dead process held is retried after this (default 60). */
  constructor(url: string, schema: string, options: { expireSeconds?: number } = {}) {
    this.expireSeconds = options.expireSeconds ?? 60;
    // Loaded only where work is distributed: syncing alone never loads pg-boss.
    const { PgBoss } = optionalPackage<typeof import('pg-boss')>(
      'pg-boss',
      'Spreading work over processes (--distribute)',
    );
    this.boss = new PgBoss({
      connectionString: url,
      schema: `${schema}_pgboss`,
      max: 4,
      application_name: 'authsync-queue',
      // Expired jobs (their process died) are found within seconds of expiring.
      superviseIntervalSeconds: 2,
      monitorIntervalSeconds: 2,
    });
    // Errors of its background maintenance: the next attempt retries, jobs are not lost.
    this.boss.on('error', () => {});
  }

  start(): Promise<void> {
    this.started ??= (async () => {
      await this.boss.start();
      if (!(await this.boss.getQueue(APPLY_QUEUE)))
        await this.boss
          .createQueue(APPLY_QUEUE, {
            policy: 'key_strict_fifo',
            // A job fails only when the database does: retry it (its lane waits meanwhile).
            retryLimit: 1_000_000,
            retryDelay: 1,
            retryBackoff: true,
            retryDelayMax: 60,
            expireInSeconds: this.expireSeconds,
          })
          // Another process created it first.
          .catch(async (error: Error) => {
            if (!(await this.boss.getQueue(APPLY_QUEUE))) throw error;
          });
    })();
    return this.started;
  }

  /** Sends one job per key (a group of lanes), inside the caller's transaction. */
  async enqueue(
    groups: { key: string; eventIds: string[] }[],
    tx: QueueTransaction,
  ): Promise<void> {
    await this.start();
    await this.boss.insert(
      APPLY_QUEUE,
      groups.map((g) => ({ data: { ids: g.eventIds }, singletonKey: g.key })),
      { db: tx },
    );
  }

  /**
   * Works on apply jobs until `signal` aborts: fetches up to `batchSize` at once (the queue gives
   * at most one job per key, and a lane has one key, so they are independent), applies them together and completes them
   * in that transaction (`apply` passes the job ids to its commit). Fetches again at once while
   * batches come back full, else after 50 ms.
   */
  async work(
    apply: (jobs: { jobId: string; eventIds: string[] }[]) => Promise<void>,
    batchSize: number,
    signal: AbortSignal,
    onError: (error: Error) => void,
  ): Promise<void> {
    await this.start();
    while (!signal.aborted) {
      let jobs: { id: string; data: { ids: string[] } }[] = [];
      try {
        jobs = await this.boss.fetch<{ ids: string[] }>(APPLY_QUEUE, { batchSize });
      } catch (error) {
        onError(error as Error);
      }
      if (jobs.length > 0) {
        try {
          await apply(jobs.map((j) => ({ jobId: j.id, eventIds: j.data.ids })));
        } catch (error) {
          onError(error as Error);
          // Retried with backoff; each lane's later jobs wait for its own.
          await this.boss
            .fail(
              APPLY_QUEUE,
              jobs.map((j) => j.id),
              { error: (error as Error).message },
            )
            .catch(() => {});
        }
      }
      if (jobs.length < batchSize) await sleep(50, signal).catch(() => {});
    }
  }

  /** Marks a job done inside the caller's transaction (the one that applied its events). */
  async complete(jobIds: string[], tx: QueueTransaction): Promise<void> {
    await this.boss.complete(APPLY_QUEUE, jobIds, null, { db: tx });
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    await this.started.catch(() => {});
    await this.boss.stop({ graceful: true, timeout: 10_000 });
  }
}
