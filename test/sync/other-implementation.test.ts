import { describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorVariant } from '../../src/emulator/index.js';
import { emulatorChange, syncFor } from '../helpers/sync-env.js';
import { STORE_KINDS, tempDb, type TestDb } from '../helpers/test-db.js';
import { differencesFromApi } from '../helpers/truth.js';

/**
 * Behaviours found by syncing from a second, independently written WorkOS API server: each is
 * within the published reference, and each broke the sync once. The emulator offers them as
 * `variant` options; the sync must end with the provider's state, lose no row, and say what it
 * did differently.
 */
async function withVariant(
  variant: EmulatorVariant,
  kind: (typeof STORE_KINDS)[number],
  body: (ctx: {
    emu: Awaited<ReturnType<typeof startEmulator>>;
    db: TestDb;
    warnings: string[];
  }) => Promise<void>,
  events = 1500,
) {
  const emu = await startEmulator({ seed: 77, events, days: 3, variant });
  const db = tempDb(kind);
  const warnings: string[] = [];
  try {
    await body({ emu, db, warnings });
  } finally {
    await emu.close();
  }
}

const logger = (warnings: string[]) => ({
  info() {},
  warn: (message: string) => void warnings.push(message),
  error: (message: string) => void warnings.push(message),
});

for (const kind of STORE_KINDS)
  describe(`a WorkOS API that behaves otherwise, within the reference (${kind})`, () => {
    it('group entries with only id and name: the import and reconcile complete', async () => {
      await withVariant({ briefGroups: true }, kind, async ({ emu, db, warnings }) => {
        const sync = syncFor(emu, db, { settleMs: 0, logger: logger(warnings) });
        try {
          await sync.runOnce();
          expect(await db.query('SELECT * FROM authsync_dead_letters')).toEqual([]);
          const [{ n }] = (await db.query<{ n: number }>(
            'SELECT COUNT(*) AS n FROM workos_directory_group_members',
          )) as [{ n: number }];
          expect(n).toBeGreaterThan(0);
          expect(await differencesFromApi(emu, db)).toEqual([]);
          const report = await sync.reconcile();
          expect(report.totals).toEqual({ missing: 0, stale: 0, deleted: 0 });
        } finally {
          await sync.close();
        }
      });
    });

    it('roles lists in pages: every role imported, reconcile deletes none', async () => {
      await withVariant({ rolesPageSize: 2 }, kind, async ({ emu, db }) => {
        const org = [...emu.emulator.world.organizations.values()][0]!;
        for (let i = 0; i < 5; i++) {
          await emulatorChange(emu, { op: 'role.create', slug: `env-role-${i}` });
          await emulatorChange(emu, {
            op: 'role.create',
            slug: `org-role-${i}`,
            organization_id: org.id,
          });
        }
        const sync = syncFor(emu, db, { settleMs: 0 });
        try {
          await sync.runOnce();
          expect(await differencesFromApi(emu, db)).toEqual([]);
          const report = await sync.reconcile();
          expect(report.totals.deleted).toBe(0);
          expect(await differencesFromApi(emu, db)).toEqual([]);
        } finally {
          await sync.close();
        }
      });
    });

    it('range_start/range_end ignored: the catch-up falls back to one cursor, reading each event about once', async () => {
      await withVariant(
        { ignoresRanges: true },
        kind,
        async ({ emu, db, warnings }) => {
          const sync = syncFor(emu, db, {
            settleMs: 0,
            importOnFirstRun: false,
            readParallelism: 12,
            logger: logger(warnings),
          });
          try {
            const result = await sync.runOnce();
            const total = emu.emulator.world.events.length;
            expect(result.applied).toBe(total);
            // Each slice would have read the stream from its start: 12+ times over.
            expect(result.fetched).toBeLessThan(total * 1.3);
            expect(warnings.join('\n')).toMatch(/ignores range_start/);
            expect(await differencesFromApi(emu, db)).toEqual([]);
          } finally {
            await sync.close();
          }
        },
        3000,
      );
    });

    it('last_sign_in_at follows sign-ins that emit no user event, through events and the import', async () => {
      await withVariant({}, kind, async ({ emu, db }) => {
        const fromImport = tempDb(kind);
        const world = emu.emulator.world;
        const first = syncFor(emu, db, { settleMs: 0, importOnFirstRun: false });
        try {
          await first.runOnce();
          // Sign-ins of many users, then more of everything (deletions included).
          const users = [...world.users.values()].slice(0, 40);
          for (const [i, user] of users.entries())
            await emulatorChange(emu, {
              op: 'activity.record',
              type: i % 2 ? 'session.created' : 'authentication.password_succeeded',
              user_id: user.id,
            });
          emu.emulator.generateNow(800);
          await first.runOnce();
          const second = syncFor(emu, fromImport, { settleMs: 0 });
          await second.runOnce();
          await second.close();
          const signedIn = [...world.users.values()].filter((u) => u.last_sign_in_at !== null);
          expect(signedIn.length).toBeGreaterThan(20);
          for (const target of [db, fromImport]) {
            const rows = await target.query<{ id: string; last_sign_in_at: string | null }>(
              'SELECT id, last_sign_in_at FROM workos_users',
            );
            const stored = new Map(rows.map((r) => [r.id, r.last_sign_in_at]));
            expect(stored.size).toBe(world.users.size);
            for (const u of world.users.values())
              expect(stored.get(u.id), u.id).toBe(u.last_sign_in_at);
          }
        } finally {
          await first.close();
        }
      });
    });

    it("domain changes with no organization event: the organization's domains follow", async () => {
      await withVariant({ silentDomainChanges: true }, kind, async ({ emu, db }) => {
        const sync = syncFor(emu, db, { settleMs: 0 });
        try {
          await sync.runOnce();
          const orgs = [...emu.emulator.world.organizations.values()].slice(0, 6);
          for (const [i, org] of orgs.entries()) {
            const added = await emulatorChange(emu, {
              op: 'organization_domain.create',
              organization_id: org.id,
              domain: `silent-${i}.example.com`,
            });
            await emulatorChange(emu, { op: 'organization_domain.verify', id: added.id });
            if (i % 2)
              await emulatorChange(emu, { op: 'organization_domain.delete', id: added.id });
            const existing = org.domains[0];
            if (existing && i % 3 === 0)
              await emulatorChange(emu, { op: 'organization_domain.delete', id: existing.id });
          }
          await sync.runOnce();
          expect(await differencesFromApi(emu, db)).toEqual([]);
          // Replaying everything changes nothing (an old creation does not bring a domain back).
          await sync.replay('2000-01-01T00:00:00.000Z');
          expect(await differencesFromApi(emu, db)).toEqual([]);
        } finally {
          await sync.close();
        }
      });
    });

    it('reconcile repairs a row whose updated_at matches but whose content does not', async () => {
      await withVariant({}, kind, async ({ emu, db }) => {
        const sync = syncFor(emu, db, { settleMs: 0 });
        try {
          await sync.runOnce();
          const org = [...emu.emulator.world.organizations.values()].find(
            (o) => o.domains.length > 0,
          )!;
          await db.exec(`UPDATE workos_organizations SET domains = '[]' WHERE id = '${org.id}'`);
          expect((await differencesFromApi(emu, db)).length).toBe(1);
          const report = await sync.reconcile();
          expect(report.tables.workos_organizations?.stale).toBe(1);
          expect(await differencesFromApi(emu, db)).toEqual([]);
        } finally {
          await sync.close();
        }
      });
    });

    it('an object the import cannot read is parked visibly; the import and reconcile go on and delete nothing', async () => {
      await withVariant({}, kind, async ({ emu, db, warnings }) => {
        // The server lists a user without a readable email.
        const users = [...emu.emulator.world.users.values()];
        const broken = users[3]!;
        emu.emulator.world.users.put({ ...broken, email: 42 as never });
        const sync = syncFor(emu, db, { settleMs: 0, logger: logger(warnings) });
        try {
          await sync.runOnce();
          const letters = await db.query<{ event_id: string; lane: string; error: string }>(
            'SELECT event_id, lane, error FROM authsync_dead_letters',
          );
          expect(letters).toHaveLength(1);
          expect(letters[0]!.event_id).toBe(`import:user:${broken.id}`);
          expect(letters[0]!.error).toMatch(/user .* cannot be imported: email/);
          const [{ n }] = (await db.query<{ n: number }>(
            'SELECT COUNT(*) AS n FROM workos_users',
          )) as [{ n: number }];
          expect(n).toBe(users.length - 1);
          // A row the lists do not show is kept while a user could not be read.
          await db.exec(
            "INSERT INTO workos_users (id, email, raw, created_at, updated_at) VALUES ('user_local', 'x@example.com', '{}', '2000-01-01T00:00:00.000Z', '2000-01-01T00:00:00.000Z')",
          );
          const report = await sync.reconcile();
          expect(report.tables.workos_users?.deleted ?? 0).toBe(0);
          expect(await db.query("SELECT id FROM workos_users WHERE id = 'user_local'")).toEqual([
            { id: 'user_local' },
          ]);
          expect(warnings.join('\n')).toMatch(/could not be (imported|read)/);
        } finally {
          await sync.close();
        }
      });
    });
  });
