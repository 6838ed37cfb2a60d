import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { RowChange } from '../../src/engine/changes.js';
import { commitBatch } from '../../src/engine/store.js';
import { WORKOS_SOURCE } from '../helpers/sources.js';
import { PG_URL, tempDb } from '../helpers/test-db.js';

const T = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

const membership = (at: string): RowChange => ({
  op: 'upsert',
  table: 'workos_organization_memberships',
  row: {
    id: 'om_x',
    user_id: 'user_x',
    organization_id: 'org_a',
    status: 'active',
    role_slug: 'member',
    role_slugs: '["member"]',
    custom_attributes: '{}',
    directory_managed: 0,
    raw: '{}',
    created_at: T(0),
    updated_at: at,
    last_event_id: 'event_2',
  },
  updatedAt: at,
  parents: [
    { table: 'workos_users', key: 'user_x' },
    { table: 'workos_organizations', key: 'org_a' },
  ],
});

/** The pid of a session waiting for a lock that `blocker` holds (polls up to 5 s). */
async function blockedBy(client: pg.Client, blocker: number): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const r = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))',
      [blocker],
    );
    if (r.rows[0]) return r.rows[0].pid;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no session waited for session ${blocker}`);
}

describe('PostgreSQL: commits from two processes at once', () => {
  it('an older membership committed while a deletion of its user is uncommitted stays deleted', async () => {
    const db = tempDb('postgres');
    // Two stores on one schema: two processes (say a lane applier and the reader's sweep).
    const deleting = db.store(WORKOS_SOURCE);
    const adding = db.store(WORKOS_SOURCE);
    await deleting.migrate();
    await adding.migrate();
    await deleting.commit(
      commitBatch({ changes: [], cursor: { after: 'event_0', rangeStart: null } }),
    );

    // Another session holds the cursor row: the deleting commit writes its tombstones and
    // cascade, then waits at its cursor step, uncommitted.
    let settled: string | undefined;
    const holder = new pg.Client(PG_URL);
    const watcher = new pg.Client(PG_URL);
    await holder.connect();
    await watcher.connect();
    try {
      await holder.query(`SET search_path TO "${db.schema}"`);
      await holder.query('BEGIN');
      await holder.query('SELECT * FROM authsync_cursor FOR UPDATE');
      const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))
        .rows[0]!.pid;
      const deletion = deleting.commit(
        commitBatch({
          changes: [
            {
              op: 'deleteWhere',
              table: 'workos_organization_memberships',
              column: 'user_id',
              value: 'user_x',
              at: T(10),
              eventId: 'event_3',
            },
            { op: 'delete', table: 'workos_users', key: 'user_x', at: T(10), eventId: 'event_3' },
          ],
          cursor: { after: 'event_3', rangeStart: null },
        }),
      );
      const deleterPid = await blockedBy(watcher, holderPid);
      // The membership's event is older than the deletion (another lane, read later): the
      // user's tombstone must refuse it, whichever commit ends first.
      const older = adding.commit(commitBatch({ changes: [membership(T(5))] }));
      settled = await Promise.race([
        older.then(() => 'committed'),
        blockedBy(watcher, deleterPid).then(() => 'waiting'),
      ]);
      await holder.query('COMMIT');
      await Promise.all([deletion, older]);
    } finally {
      await holder.end();
      await watcher.end();
    }
    expect(await db.query('SELECT id FROM workos_organization_memberships')).toEqual([]);
    expect(await db.query("SELECT key FROM authsync_tombstones WHERE key = 'user_x'")).toEqual([
      { key: 'user_x' },
    ]);
    // The membership's commit waited for the deletion's: it saw the tombstone.
    expect(settled).toBe('waiting');
    await deleting.close();
    await adding.close();
  });
});
