import { commitBatch } from '../../src/engine/store.js';
import { describe, expect, it } from 'vitest';
import { POSTGRES_SCHEMA } from '../../src/schema/index.js';
import { WORKOS_SOURCE } from '../helpers/sources.js';
import type { RowChange } from '../../src/engine/changes.js';
import type { CommitBatch, SyncStore } from '../../src/engine/store.js';
import { Random } from '../../src/emulator/random.js';
import { PostgresStore } from '../../src/stores/postgres/postgres-store.js';
import { dumpTables } from '../helpers/sync-env.js';
import { PG_URL, tempDb, type TestDb } from '../helpers/test-db.js';

/**
 * Random batches of row changes over a few keys (so the same rows, parents and cascades meet
 * inside one commit), with clashing times (ties on updated_at) and null keep-if-null columns.
 */
function randomBatches(seed: number, batches: number, perBatch: number): CommitBatch[] {
  const r = new Random(`merge${seed}`);
  const users = ['user_a', 'user_b', 'user_c', 'user_d'];
  const orgs = ['org_a', 'org_b'];
  // Mostly ascending, as a stream is, with jitter: ties and small reorderings are common.
  let tick = 0;
  const time = () => new Date(Date.UTC(2026, 0, 1) + (tick++ + r.int(5) - 2) * 1000).toISOString();
  let event = 0;
  const eventId = () => `event_${String(event++).padStart(6, '0')}`;
  const change = (): RowChange => {
    const user = users[r.int(users.length)]!;
    const org = orgs[r.int(orgs.length)]!;
    const at = time();
    switch (r.int(7)) {
      case 0:
      case 1:
        return {
          op: 'upsert',
          table: 'workos_users',
          row: {
            id: user,
            email: `${user}@example.com`,
            email_verified: r.int(2),
            first_name: r.chance(0.3) ? null : `F${r.int(100)}`,
            metadata: '{}',
            raw: JSON.stringify({ n: r.int(1000) }),
            created_at: '2026-01-01T00:00:00.000Z',
            updated_at: at,
            last_event_id: eventId(),
          },
          updatedAt: at,
          keepIfNull: ['first_name'],
        };
      case 2:
      case 3: {
        const id = `om_${user}_${org}`;
        return {
          op: 'upsert',
          table: 'workos_organization_memberships',
          row: {
            id,
            user_id: user,
            organization_id: org,
            status: r.chance(0.5) ? 'active' : 'inactive',
            role_slug: 'member',
            role_slugs: '["member"]',
            custom_attributes: '{}',
            directory_managed: 0,
            raw: '{}',
            created_at: '2026-01-01T00:00:00.000Z',
            updated_at: at,
            last_event_id: eventId(),
          },
          updatedAt: at,
          parents: [
            { table: 'workos_users', key: user },
            { table: 'workos_organizations', key: org },
          ],
        };
      }
      case 4: {
        if (r.chance(0.4))
          return { op: 'delete', table: 'workos_users', key: user, at, eventId: eventId() };
        // A membership deleted with its event's object: foreign keys known, or one missing.
        const object: Record<string, unknown> = { id: `om_${user}_${org}`, user_id: user };
        if (r.chance(0.7)) object.organization_id = org;
        return {
          op: 'delete',
          table: 'workos_organization_memberships',
          key: `om_${user}_${org}`,
          at,
          // Most deletions come from events; a few (reconciliation) carry no event id.
          ...(r.chance(0.9) ? { eventId: eventId() } : {}),
          object,
        };
      }
      case 5:
        return {
          op: 'deleteWhere',
          table: 'workos_organization_memberships',
          column: r.chance(0.5) ? 'user_id' : 'organization_id',
          value: r.chance(0.5) ? user : org,
          at,
          eventId: eventId(),
        };
      default:
        return {
          op: 'append',
          table: 'workos_activity',
          row: {
            id: `act_${r.int(30)}`,
            event: 'session.created',
            user_id: user,
            organization_id: null,
            occurred_at: at,
            data: '{}',
          },
        };
    }
  };
  return Array.from({ length: batches }, () =>
    commitBatch({ changes: Array.from({ length: perBatch }, change) }),
  );
}

async function commitAll(store: SyncStore, batches: CommitBatch[]): Promise<void> {
  await store.migrate();
  for (const batch of batches) await store.commit(batch);
  await store.close();
}

const allRows = async (db: TestDb) =>
  `${await dumpTables(db)}\n${JSON.stringify(
    await db.query(
      'SELECT table_name, key, deleted_at, event_id FROM authsync_tombstones ORDER BY 1, 2',
    ),
  )}`;

describe('PostgreSQL: a commit merged into multi-row statements equals its steps one by one', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8])
    it(`random changes over few rows (seed ${seed}), and the same on SQLite`, async () => {
      const batches = randomBatches(seed, 12, 200);
      const merged = tempDb('postgres');
      const oneByOne = tempDb('postgres');
      const sqlite = tempDb('sqlite');
      await commitAll(merged.store(), batches);
      await commitAll(
        new PostgresStore(PG_URL, oneByOne.schema, {
          storeSchema: POSTGRES_SCHEMA,
          source: WORKOS_SOURCE,
          mergeStatements: false,
        }),
        batches,
      );
      await commitAll(sqlite.store(), batches);
      const expected = await allRows(oneByOne);
      // Not trivially equal: rows were written, deleted and tombstoned.
      expect(expected).toMatch(/user_/);
      expect(expected).toMatch(/workos_organization_memberships/);
      expect(await allRows(merged)).toBe(expected);
      expect(await allRows(sqlite)).toBe(expected);
    });
});
