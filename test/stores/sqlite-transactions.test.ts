import { commitBatch } from '../../src/engine/store.js';
import { describe, expect, it } from 'vitest';
import type { RowChange } from '../../src/engine/changes.js';
import { SQLITE_SCHEMA } from '../../src/schema/index.js';
import { WORKOS_SOURCE } from '../helpers/sources.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { tempDbPath } from '../helpers/sync-env.js';

const T = '2026-12-01T00:00:00.000Z';
const user = (id: string): RowChange => ({
  op: 'upsert',
  table: 'workos_users',
  row: { id, email: `${id}@example.com`, created_at: T, updated_at: T, raw: '{}' },
  updatedAt: T,
});

/**
 * One SQLite connection serves the whole process, so a statement from another task (an effect
 * marking itself done, a state write) must never run between a transaction's BEGIN and its
 * COMMIT: it would commit or roll back with a transaction that is not its own, and a read there
 * sees rows not yet committed.
 */
describe('SQLite: statements from other tasks never run inside a transaction', () => {
  it('whatever the moment they are issued, during commits and webhook group commits', async () => {
    const store = new SqliteStore(tempDbPath(), {
      storeSchema: SQLITE_SCHEMA,
      source: WORKOS_SOURCE,
    });
    await store.migrate();
    // Watch the connection: is a transaction open when a probe (a state read) runs?
    const driver = store.driver;
    let open = false;
    const seenInside: number[] = [];
    const exec = driver.exec.bind(driver);
    driver.exec = (sql: string) => {
      exec(sql);
      if (/^BEGIN/i.test(sql)) open = true;
      if (/^(COMMIT|ROLLBACK)/i.test(sql)) open = false;
    };
    const prepare = driver.prepare.bind(driver);
    driver.prepare = (sql: string) => {
      const statement = prepare(sql);
      if (!sql.includes('FROM authsync_state')) return statement;
      const get = statement.get.bind(statement);
      statement.get = (...args: unknown[]) => {
        if (open) seenInside.push(Number(String(args[0]).slice(6)));
        return get(...args);
      };
      return statement;
    };
    try {
      let n = 0;
      for (let round = 0; round < 40; round++) {
        const work: Promise<unknown>[] = [
          store.commit(
            commitBatch({
              received: [],
              changes: Array.from({ length: 20 }, (_, i) => user(`user_${round}_${i}`)),
              cursor: { after: `event_${String(round).padStart(4, '0')}`, rangeStart: null },
            }),
          ),
          store.storeWebhookEvent(
            {
              id: `event_w${round}`,
              type: 'user.updated',
              lane: '',
              createdAt: T,
              json: '{}',
            },
            T,
          ),
        ];
        // Probes issued after 0 to 11 microtask turns: some land where a transaction yields.
        for (let depth = 0; depth < 12; depth++) {
          const key = `probe_${n++}`;
          let p: Promise<unknown> = Promise.resolve();
          for (let d = 0; d < depth; d++) p = p.then(() => undefined);
          work.push(p.then(() => store.getState(key)));
        }
        await Promise.all(work);
      }
      expect(n).toBe(480);
      expect(seenInside).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
