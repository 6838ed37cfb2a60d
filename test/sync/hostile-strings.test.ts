import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { Random } from '../../src/emulator/random.js';
import { storableText } from '../../src/engine/storable-text.js';
import { emulatorChange, syncFor } from '../helpers/sync-env.js';
import { STORE_KINDS, tempDb, type StoreKind } from '../helpers/test-db.js';

/**
 * Strings as WorkOS accepts them — NUL and other control characters, lone surrogates, RTL
 * marks, 4-byte characters, text that looks like a JSON escape, very long text — in every
 * free-text field the emulator lets a client set, on every table they reach. Through events and
 * through the first import, on each store, the sync must apply every event (no dead letter, no
 * failed commit) and the tables must hold what `engine/storable-text.ts` documents: text as
 * given where the database can keep it, U+FFFD for NUL and lone surrogates where it cannot
 * (PostgreSQL), and the same JSON (`raw`, `metadata`) on every store.
 */
const HOSTILE = [
  'a\u0000b',
  '\u0000',
  '\ud800',
  'x\udfffy',
  '\udc00\ud800',
  '\u0001\u0008\u001f\u007f\u0085',
  '\u200f\u202eevil\u202c',
  '😀 \u{10FFFF} 𝔘𝔫𝔦',
  '\\u0000 \\ud800 written out',
  '"\'<>&\\',
  'long '.repeat(40_000) + '\u0000\ud800',
];
const SEEDS = Array.from({ length: Number(process.env.AUTHSYNC_SOAK_SEEDS ?? 2) }, (_, i) => i + 1);

/** What a text column holds: PostgreSQL replaces; SQLite keeps NUL, and UTF-8 cannot hold a lone surrogate. */
const textOn = (kind: StoreKind, v: string) =>
  kind === 'postgres' ? storableText(v) : v.toWellFormed();

interface Planted {
  table: string;
  id: string;
  column: string;
  /** The object as the emulator holds it now (later changes may have changed or deleted it). */
  current: () => object | undefined;
}

async function plant(emu: Awaited<ReturnType<typeof startEmulator>>, random: Random) {
  const pick = () => random.pick(HOSTILE);
  const planted: Planted[] = [];
  const change = (body: object) => emulatorChange(emu, body);
  const org = await change({
    op: 'organization.create',
    name: `org ${pick()}`,
    external_id: pick(),
    metadata: { [pick()]: pick(), plain: pick() },
  });
  const world = emu.emulator.world;
  const add = (table: string, id: string, columns: string[], current: Planted['current']) => {
    for (const column of columns) planted.push({ table, id, column, current });
  };
  add('workos_organizations', org.id, ['name', 'external_id', 'metadata'], () =>
    world.organizations.get(org.id),
  );
  for (let i = 0; i < 3; i++) {
    const user = await change({
      op: 'user.create',
      email: `${pick().slice(0, 40)}${i}@example.com`,
      first_name: pick(),
      last_name: pick(),
      external_id: pick(),
      locale: pick(),
      profile_picture_url: `https://example.com/${pick().slice(0, 30)}`,
      metadata: { [pick()]: pick() },
    });
    add(
      'workos_users',
      user.id,
      ['email', 'first_name', 'last_name', 'external_id', 'locale', 'profile_picture_url'],
      () => world.users.get(user.id),
    );
    add('workos_users', user.id, ['metadata'], () => world.users.get(user.id));
    if (i === 0) await change({ op: 'user.update', id: user.id, first_name: pick() });
  }
  const role = await change({
    op: 'role.create',
    organization_id: org.id,
    slug: `role-${random.int(1000)}`,
    name: pick(),
    description: pick(),
  });
  add('workos_roles', `${org.id}:${role.slug}`, ['name', 'description'], () =>
    world.roles.get(role.id),
  );
  const connection = await change({
    op: 'connection.create',
    organization_id: org.id,
    name: pick(),
  });
  await change({ op: 'connection.activate', id: connection.id });
  add('workos_connections', connection.id, ['name'], () => world.connections.get(connection.id));
  const directory = await change({
    op: 'directory.activate',
    organization_id: org.id,
    name: pick(),
  });
  add('workos_directories', directory.id, ['name'], () => world.directories.get(directory.id));
  const dirUser = await change({
    op: 'directory_user.create',
    directory_id: directory.id,
    email: `${pick().slice(0, 30)}@dir.example.com`,
    first_name: pick(),
    last_name: pick(),
  });
  add('workos_directory_users', dirUser.id, ['first_name', 'last_name'], () =>
    world.directoryUsers.get(dirUser.id),
  );
  const group = await change({
    op: 'directory_group.create',
    directory_id: directory.id,
    name: pick(),
  });
  add('workos_directory_groups', group.id, ['name'], () => world.directoryGroups.get(group.id));
  return planted;
}

/** Keys of tables whose key is not `id`. */
const keyWhere = (table: string, id: string) => {
  if (table === 'workos_roles') {
    const [org, slug] = id.split(':');
    return `organization_id = '${org}' AND slug = '${slug}'`;
  }
  return `id = '${id}'`;
};

async function expectPlanted(
  kind: StoreKind,
  db: ReturnType<typeof tempDb>,
  planted: Planted[],
  context: string,
) {
  let checked = 0;
  for (const p of planted) {
    const [row] = await db.query<Record<string, unknown>>(
      `SELECT * FROM ${p.table} WHERE ${keyWhere(p.table, p.id)}`,
    );
    const object = p.current();
    if (!object) {
      // Deleted by a later change: no row (tombstoned), whatever its strings were.
      expect(row, `${context}: ${p.table} ${p.id} deleted`).toBeUndefined();
      continue;
    }
    expect(row, `${context}: ${p.table} ${p.id}`).toBeDefined();
    checked++;
    const value = (object as Record<string, unknown>)[p.column];
    const where = `${context}: ${p.table}.${p.column} of ${p.id}`;
    const raw = JSON.parse(String(row!.raw)) as Record<string, unknown>;
    if (typeof value === 'string') {
      expect(row![p.column], where).toBe(textOn(kind, value));
      if (p.column in raw) expect(raw[p.column], `${where} in raw`).toBe(storableText(value));
    } else {
      // A JSON column: the same on every store, strings and keys replaced.
      const expected = JSON.parse(
        JSON.stringify(value, (_k, v: unknown) =>
          typeof v === 'object' && v !== null && !Array.isArray(v)
            ? Object.fromEntries(
                Object.entries(v).map(([k, x]) => [
                  storableText(k),
                  typeof x === 'string' ? storableText(x) : x,
                ]),
              )
            : v,
        ),
      ) as unknown;
      expect(JSON.parse(String(row![p.column])), where).toEqual(expected);
      expect(raw[p.column], `${where} in raw`).toEqual(expected);
    }
  }
  expect(checked, `${context}: planted rows left to check`).toBeGreaterThan(planted.length / 2);
}

for (const kind of STORE_KINDS)
  describe(`hostile strings in every synced text field (${kind})`, () => {
    for (const seed of SEEDS)
      it(`seed ${seed}: through events and through the first import`, async () => {
        const random = new Random(`hostile-strings:${seed}`);
        const emu = await startEmulator({ seed, events: 300 });
        const byEvents = tempDb(kind);
        const byImport = tempDb(kind);
        try {
          // Events: the sync is at the head, then the hostile changes come as events.
          const first = syncFor(emu, byEvents, { importOnFirstRun: false, settleMs: 0 });
          await first.runOnce();
          const planted = await plant(emu, random);
          emu.emulator.generateNow(200);
          await first.runOnce();
          await first.close();
          for (const [db, how] of [
            [byEvents, 'events'],
            [byImport, 'import'],
          ] as const) {
            const sync = syncFor(emu, db, { settleMs: 0 });
            await sync.runOnce();
            await sync.close();
            const context = `${kind} seed ${seed} (${how})`;
            expect(await db.query('SELECT * FROM authsync_dead_letters'), context).toEqual([]);
            const notApplied = await db.query(
              "SELECT id, status FROM authsync_events WHERE status <> 'applied'",
            );
            expect(notApplied, context).toEqual([]);
            await expectPlanted(kind, db, planted, context);
          }
          const counted = await byEvents.query<{ n: number }>(
            'SELECT COUNT(*) AS n FROM authsync_events',
          );
          expect(counted[0]!.n).toBe(emu.emulator.world.events.length);
        } finally {
          await emu.close();
        }
      }, 60_000);
  });
