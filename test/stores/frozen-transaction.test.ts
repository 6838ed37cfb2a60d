import { fork } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { RowChange } from '../../src/engine/changes.js';
import { commitBatch } from '../../src/engine/store.js';
import { tempDb } from '../helpers/test-db.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

const organization = (id: string, s: number): RowChange => ({
  op: 'upsert',
  table: 'workos_organizations',
  row: {
    id,
    name: id,
    allow_profiles_outside_organization: 0,
    domains: '[]',
    raw: '{}',
    created_at: at(s),
    updated_at: at(s),
    last_event_id: `event_${id}`,
  },
  updatedAt: at(s),
});

describe('PostgreSQL: a process frozen in the middle of a commit', () => {
  it('is cut off by the server, so the other processes commit and nothing of its commit stays', async () => {
    const db = tempDb('postgres');
    const other = db.store();
    await other.migrate();

    // A real process: it takes the rows lock, writes a row and stops itself (SIGSTOP) before
    // COMMIT, like a process whose VM is paused. The server ends its session after 1 s idle.
    const frozen = fork(new URL('../helpers/frozen-commit.mjs', import.meta.url).pathname, [
      db.url,
      db.schema!,
      '1000',
    ]);
    // Also when the test fails or times out: a stopped process would hold its session.
    onTestFinished(() => {
      frozen.kill('SIGKILL');
    });
    try {
      const [message] = (await once(frozen, 'message')) as [unknown];
      expect(message).toBe('frozen');

      // Another process's commit needs the same lock: without the limit it waits for as long as
      // the frozen one stays stopped (here, until it is continued below).
      await other.commit(commitBatch({ changes: [organization('org_other', 10)] }));
      expect(await db.query('SELECT id FROM workos_organizations ORDER BY id')).toEqual([
        { id: 'org_other' },
      ]);

      // Continued, the frozen process finds its commit failed; its row never appears.
      const outcome = once(frozen, 'message');
      frozen.kill('SIGCONT');
      const [result] = (await outcome) as [{ committed?: boolean; error?: string }];
      expect(result.committed).toBeUndefined();
      // Its connection is gone (how pg words that depends on what it noticed first).
      expect(typeof result.error).toBe('string');
      expect(await db.query('SELECT id FROM workos_organizations ORDER BY id')).toEqual([
        { id: 'org_other' },
      ]);
    } finally {
      await other.close();
    }
  }, 30_000);
});
