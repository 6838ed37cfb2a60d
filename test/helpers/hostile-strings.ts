import { expect } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { Random } from '../../src/emulator/random.js';
import { storableText } from '../../src/engine/storable-text.js';
import { emulatorChange } from './sync-env.js';
import type { Queryable } from './test-db.js';

/**
 * Strings as WorkOS accepts them, planted in every free-text field the emulator lets a client
 * set, and what each store must then hold (see `engine/storable-text.ts`).
 */
export const HOSTILE = [
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

/** What a text column holds: PostgreSQL replaces; SQLite and D1 keep NUL, and UTF-8 cannot hold a lone surrogate. */
export type TextStore = 'sqlite' | 'postgres' | 'd1';
const textOn = (kind: TextStore, v: string) =>
  kind === 'postgres' ? storableText(v) : v.toWellFormed();

export interface Planted {
  table: string;
  id: string;
  column: string;
  /** The object as the emulator holds it now (later changes may have changed or deleted it). */
  current: () => object | undefined;
}

export async function plant(emu: RunningEmulator, random: Random) {
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

export async function expectPlanted(
  kind: TextStore,
  db: Queryable,
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
