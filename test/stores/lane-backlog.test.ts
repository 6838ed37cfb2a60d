import { commitBatch } from '../../src/engine/store.js';
import { describe, expect, it } from 'vitest';
import type { InboxEvent } from '../../src/engine/store.js';
import { statusReport } from '../../src/status-report.js';
import { STORE_KINDS, tempDb } from '../helpers/test-db.js';

const event = (id: string, lane: string): InboxEvent => ({
  id,
  type: 'user.updated',
  lane,
  createdAt: '2026-11-23T04:00:00.000Z',
  json: JSON.stringify({ id, event: 'user.updated' }),
});

for (const kind of STORE_KINDS)
  describe(`status shows each lane's backlog (${kind})`, () => {
    it('counts events waiting behind a dead letter and events queued for a process, per lane, adding up to the totals', async () => {
      const db = tempDb(kind);
      const store = db.store();
      try {
        await store.migrate();
        await store.commit(
          commitBatch({
            received: [
              // org_a: a dead letter and two events behind it.
              { event: event('event_01', 'org_a'), status: 'dead', source: 'api' },
              { event: event('event_02', 'org_a'), status: 'pending', source: 'api' },
              { event: event('event_03', 'org_a'), status: 'pending', source: 'api' },
              // org_b: three queued for a process (distributed work), one applied.
              { event: event('event_04', 'org_b'), status: 'queued', source: 'api' },
              { event: event('event_05', 'org_b'), status: 'queued', source: 'api' },
              { event: event('event_06', 'org_b'), status: 'queued', source: 'api' },
              { event: event('event_07', 'org_b'), status: 'applied', source: 'api' },
              // No organization: one queued.
              { event: event('event_08', ''), status: 'queued', source: 'api' },
              { event: event('event_09', 'org_c'), status: 'applied', source: 'api' },
            ],
            changes: [],
            deadLetters: [{ eventId: 'event_01', lane: 'org_a', error: 'poison' }],
          }),
        );
        const report = await statusReport(store, { days: 30, warnAfterSeconds: 1_296_000 });
        // Waiting: the events behind the dead letter (the dead letter is counted as one).
        expect(report.laneBacklog).toEqual([
          { lane: 'org_b', waiting: 0, queued: 3 },
          { lane: 'org_a', waiting: 2, queued: 0 },
          { lane: '', waiting: 0, queued: 1 },
        ]);
        expect(report.inbox).toMatchObject({ queued: 4, pending: 2, dead: 1, applied: 2 });
        // The lanes add up to the totals the status shows beside them.
        const sum = (k: 'waiting' | 'queued') => report.laneBacklog.reduce((n, l) => n + l[k], 0);
        expect(sum('waiting')).toBe(report.inbox.pending);
        expect(sum('queued')).toBe(report.inbox.queued);
        expect(report.deadLetters).toBe(1);
        expect((await store.laneBacklog(1)).map((l) => l.lane)).toEqual(['org_b']);
      } finally {
        await store.close();
      }
    });
  });
