import type { CloudEvent } from '../../src/emulator/auth0/event-streams.js';
import type { RunningAuth0Emulator } from '../../src/emulator/auth0/server.js';
import { createSync, type CreateSyncOptions } from '../../src/create-sync.js';
import { asTestDb, type Queryable, type TestDb } from './test-db.js';

/** A Sync of an Auth0 source pointed at the emulator, configured only by the options given. */
export function auth0SyncFor(
  emu: RunningAuth0Emulator,
  db: TestDb | string,
  options: Partial<CreateSyncOptions> = {},
) {
  return createSync({
    provider: 'auth0',
    ...asTestDb(db).options,
    env: {},
    ...options,
    auth0: {
      domain: emu.url,
      clientId: emu.clientId,
      clientSecret: emu.clientSecret,
      rateLimit: { requests: 100_000, windowMs: 60_000 },
      ...options.auth0,
    },
  });
}

/** `POST /oauth/token` with a form body, as the SDK sends it; `secret` overrides the right one. */
export function requestToken(emu: RunningAuth0Emulator, secret = emu.clientSecret) {
  return fetch(`${emu.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: emu.clientId,
      client_secret: secret,
      audience: `${emu.url}/api/v2/`,
    }),
  });
}

const sorted = (lines: string[]) => lines.sort().join('\n');

/**
 * Where the auth0_* tables differ from the emulated tenant's state (empty when they agree):
 * every user with its profile fields, organizations, members, members' roles and roles.
 */
export async function auth0Differences(
  emu: RunningAuth0Emulator,
  target: TestDb | Queryable | string,
) {
  const db: Queryable = typeof target === 'string' ? asTestDb(target) : target;
  const t = emu.emulator.tenant;
  const want = {
    users: sorted(
      [...t.users.values()].map((u) =>
        JSON.stringify([u.user_id, u.email ?? null, u.name, u.user_metadata, u.updated_at]),
      ),
    ),
    organizations: sorted(
      [...t.organizations.values()].map((o) =>
        JSON.stringify([o.id, o.name, o.display_name ?? null]),
      ),
    ),
    members: sorted(
      [...t.members.entries()].flatMap(([org, m]) => [...m.keys()].map((u) => `${org} ${u}`)),
    ),
    memberRoles: sorted(
      [...t.members.entries()].flatMap(([org, m]) =>
        [...m.entries()].flatMap(([u, roles]) => [...roles].map((r) => `${org} ${u} ${r}`)),
      ),
    ),
    roles: sorted([...t.roles.values()].map((r) => JSON.stringify([r.id, r.name, r.description]))),
  };
  const users = await db.query<{
    user_id: string;
    email: string | null;
    name: string;
    user_metadata: unknown;
    updated_at: unknown;
  }>('SELECT user_id, email, name, user_metadata, updated_at FROM auth0_users');
  const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
  const iso = (v: unknown) => new Date(v as string).toISOString();
  const got = {
    users: sorted(
      users.map((u) =>
        JSON.stringify([u.user_id, u.email, u.name, parse(u.user_metadata), iso(u.updated_at)]),
      ),
    ),
    organizations: sorted(
      (
        await db.query<{ id: string; name: string; display_name: string | null }>(
          'SELECT id, name, display_name FROM auth0_organizations',
        )
      ).map((o) => JSON.stringify([o.id, o.name, o.display_name])),
    ),
    members: sorted(
      (
        await db.query<{ organization_id: string; user_id: string }>(
          'SELECT organization_id, user_id FROM auth0_organization_members',
        )
      ).map((m) => `${m.organization_id} ${m.user_id}`),
    ),
    memberRoles: sorted(
      (
        await db.query<{ organization_id: string; user_id: string; role_id: string }>(
          'SELECT organization_id, user_id, role_id FROM auth0_member_roles',
        )
      ).map((m) => `${m.organization_id} ${m.user_id} ${m.role_id}`),
    ),
    roles: sorted(
      (
        await db.query<{ id: string; name: string; description: string }>(
          'SELECT id, name, description FROM auth0_roles',
        )
      ).map((r) => JSON.stringify([r.id, r.name, r.description])),
    ),
  };
  return (Object.keys(want) as (keyof typeof want)[])
    .filter((k) => want[k] !== got[k])
    .map((k) => {
      const w = new Set(want[k].split('\n'));
      const g = new Set(got[k].split('\n'));
      return {
        table: k,
        missing: [...w].filter((x) => !g.has(x)).slice(0, 5),
        extra: [...g].filter((x) => !w.has(x)).slice(0, 5),
      };
    });
}

/**
 * Every change of the tenant from now on, announced as its Event Stream would and held here
 * (`pending`), for a test to hand over in an order of its own; `made()` counts them.
 */
export function heldEventStream(
  emu: RunningAuth0Emulator,
  idPrefix: string,
): { pending: CloudEvent[]; made: () => number } {
  const pending: CloudEvent[] = [];
  let made = 0;
  emu.emulator.tenant.onEvent = (type, object) =>
    pending.push({
      specversion: '1.0',
      type,
      source: 'urn:auth0:acme',
      id: `evt_${idPrefix}_${(made++).toString().padStart(8, '0')}`,
      time: new Date(emu.emulator.tenant.now()).toISOString(),
      data: { object },
      a0tenant: 'acme',
      a0stream: `est_${idPrefix}`,
    });
  return { pending, made: () => made };
}
