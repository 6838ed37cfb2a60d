import { asTestDb, type Queryable } from './test-db.js';

type Obj = Record<string, any>;

/** Every page of a list endpoint of the emulator (or WorkOS), following list_metadata.after. */
async function all(url: string, apiKey: string, path: string): Promise<Obj[]> {
  const out: Obj[] = [];
  let after = '';
  for (;;) {
    const u = new URL(path, url);
    u.searchParams.set('limit', '100');
    u.searchParams.set('order', 'asc');
    if (after) u.searchParams.set('after', after);
    const r = await fetch(u, { headers: { authorization: `Bearer ${apiKey}` } });
    if (!r.ok) throw new Error(`GET ${u} answered ${r.status}`);
    const body = (await r.json()) as { data: Obj[]; list_metadata?: { after?: string | null } };
    out.push(...body.data);
    if (!body.list_metadata?.after) return out;
    after = body.list_metadata.after;
  }
}

const iso = (v: unknown) =>
  v === null || v === undefined ? null : new Date(String(v)).toISOString();
const b = (v: unknown) => (typeof v === 'boolean' ? (v ? 1 : 0) : null);

/**
 * The comparable content of every table, read from the provider's list endpoints — the ground
 * truth. Mapped here independently of authsync's own projections, so a mapping bug shows.
 */
export async function truthFromApi(
  url: string,
  apiKey: string,
): Promise<Record<string, Map<string, string>>> {
  const t: Record<string, Map<string, string>> = {};
  const put = (table: string, key: string, value: unknown) =>
    (t[table] ??= new Map()).set(key, JSON.stringify(value));
  for (const table of TABLE_NAMES) t[table] = new Map();
  for (const u of await all(url, apiKey, '/user_management/users')) {
    put('workos_users', u.id, [
      u.email,
      b(u.email_verified),
      u.first_name,
      u.last_name,
      iso(u.updated_at),
    ]);
  }
  const orgs = await all(url, apiKey, '/organizations');
  for (const o of orgs) {
    put('workos_organizations', o.id, [
      o.name,
      JSON.stringify(o.domains.map((d: Obj) => d.domain)),
      iso(o.updated_at),
    ]);
    for (const d of o.domains)
      put('workos_organization_domains', d.id, [
        d.organization_id,
        d.domain,
        d.state,
        iso(d.updated_at),
      ]);
    for (const m of await all(
      url,
      apiKey,
      `/user_management/organization_memberships?organization_id=${o.id}`,
    )) {
      put('workos_organization_memberships', m.id, [
        m.user_id,
        m.organization_id,
        m.status,
        m.role.slug,
        iso(m.updated_at),
      ]);
    }
    // Every page: a server may page roles though the reference does not.
    for (const r of await all(url, apiKey, `/authorization/organizations/${o.id}/roles`)) {
      if (r.type === 'OrganizationRole')
        put('workos_roles', `${o.id}:${r.slug}`, [
          r.slug,
          o.id,
          JSON.stringify(r.permissions),
          iso(r.updated_at),
        ]);
    }
  }
  for (const r of await all(url, apiKey, '/authorization/roles'))
    put('workos_roles', r.slug, [r.slug, null, JSON.stringify(r.permissions), iso(r.updated_at)]);
  for (const i of await all(url, apiKey, '/user_management/invitations')) {
    put('workos_invitations', i.id, [
      i.email,
      i.state,
      i.organization_id,
      i.accepted_user_id,
      iso(i.updated_at),
    ]);
  }
  for (const c of await all(url, apiKey, '/connections')) {
    put('workos_connections', c.id, [
      c.organization_id,
      c.connection_type,
      c.state,
      iso(c.updated_at),
    ]);
  }
  for (const d of await all(url, apiKey, '/directories')) {
    put('workos_directories', d.id, [
      d.organization_id,
      d.type,
      d.state === 'linked' ? 'active' : 'inactive',
      iso(d.updated_at),
    ]);
    for (const u of await all(url, apiKey, `/directory_users?directory=${d.id}`)) {
      put('workos_directory_users', u.id, [
        u.directory_id,
        u.email,
        u.state,
        u.job_title ?? null,
        iso(u.updated_at),
      ]);
      for (const g of u.groups) put('workos_directory_group_members', `${g.id}/${u.id}`, [d.id]);
    }
    for (const g of await all(url, apiKey, `/directory_groups?directory=${d.id}`)) {
      put('workos_directory_groups', g.id, [g.directory_id, g.name, iso(g.updated_at)]);
    }
  }
  return t;
}

const TABLE_NAMES = [
  'workos_users',
  'workos_organizations',
  'workos_organization_domains',
  'workos_organization_memberships',
  'workos_invitations',
  'workos_roles',
  'workos_connections',
  'workos_directories',
  'workos_directory_users',
  'workos_directory_groups',
  'workos_directory_group_members',
];

/** The same comparable content, read from authsync's tables (SQLite or PostgreSQL). */
export async function truthFromDatabase(
  target: Queryable | string,
): Promise<Record<string, Map<string, string>>> {
  const db = typeof target === 'string' ? asTestDb(target) : target;
  const t: Record<string, Map<string, string>> = {};
  const read = async (
    table: string,
    sql: string,
    key: (r: Obj) => string,
    value: (r: Obj) => unknown[],
  ) => {
    t[table] = new Map((await db.query<Obj>(sql)).map((r) => [key(r), JSON.stringify(value(r))]));
  };
  await read(
    'workos_users',
    'SELECT * FROM workos_users',
    (r) => r.id,
    (r) => [r.email, r.email_verified, r.first_name, r.last_name, r.updated_at],
  );
  await read(
    'workos_organizations',
    'SELECT * FROM workos_organizations',
    (r) => r.id,
    (r) => [r.name, r.domains, r.updated_at],
  );
  await read(
    'workos_organization_domains',
    'SELECT * FROM workos_organization_domains',
    (r) => r.id,
    (r) => [r.organization_id, r.domain, r.state, r.updated_at],
  );
  await read(
    'workos_organization_memberships',
    'SELECT * FROM workos_organization_memberships',
    (r) => r.id,
    (r) => [r.user_id, r.organization_id, r.status, r.role_slug, r.updated_at],
  );
  await read(
    'workos_roles',
    'SELECT * FROM workos_roles',
    (r) => r.key,
    (r) => [r.slug, r.organization_id, r.permissions, r.updated_at],
  );
  await read(
    'workos_invitations',
    'SELECT * FROM workos_invitations',
    (r) => r.id,
    (r) => [r.email, r.state, r.organization_id, r.accepted_user_id, r.updated_at],
  );
  await read(
    'workos_connections',
    'SELECT * FROM workos_connections',
    (r) => r.id,
    (r) => [r.organization_id, r.connection_type, r.state, r.updated_at],
  );
  await read(
    'workos_directories',
    'SELECT * FROM workos_directories',
    (r) => r.id,
    (r) => [r.organization_id, r.type, r.state, r.updated_at],
  );
  await read(
    'workos_directory_users',
    'SELECT * FROM workos_directory_users',
    (r) => r.id,
    (r) => [r.directory_id, r.email, r.state, r.job_title, r.updated_at],
  );
  await read(
    'workos_directory_groups',
    'SELECT * FROM workos_directory_groups',
    (r) => r.id,
    (r) => [r.directory_id, r.name, r.updated_at],
  );
  await read(
    'workos_directory_group_members',
    'SELECT * FROM workos_directory_group_members',
    (r) => `${r.directory_group_id}/${r.directory_user_id}`,
    (r) => [r.directory_id],
  );
  return t;
}

/** Differences between two truths, as readable lines (empty when equal). */
export function diffTruths(
  expected: Record<string, Map<string, string>>,
  actual: Record<string, Map<string, string>>,
): string[] {
  const out: string[] = [];
  for (const table of TABLE_NAMES) {
    const e = expected[table] ?? new Map();
    const a = actual[table] ?? new Map();
    for (const [k, v] of e) {
      if (!a.has(k)) out.push(`${table} ${k}: missing (expected ${v})`);
      else if (a.get(k) !== v) out.push(`${table} ${k}: ${a.get(k)} != expected ${v}`);
    }
    for (const k of a.keys())
      if (!e.has(k)) out.push(`${table} ${k}: present but gone upstream (${a.get(k)})`);
  }
  return out;
}

/** How authsync's tables differ from the emulator's state: the first `limit` lines, empty when equal. */
export async function differencesFromApi(
  emu: { url: string; apiKey: string },
  db: Queryable | string,
  limit = 20,
): Promise<string[]> {
  return diffTruths(await truthFromApi(emu.url, emu.apiKey), await truthFromDatabase(db)).slice(
    0,
    limit,
  );
}
