import type { Context, Hono } from 'hono';
import type { Auth0Emulator } from '../emulator.js';
import { Auth0Error } from '../errors.js';
import { checkpoint, checkpointPage, offsetPage } from './paging.js';

type Scoped = (c: Context, anyOf: string[]) => void;

/** The Management API's reads: logs (checkpoint and search), users, organizations, members, roles. */
export function mountReads(app: Hono, emulator: Auth0Emulator, scoped: Scoped): void {
  const tenant = emulator.tenant;

  app.get('/api/v2/logs', (c) => {
    scoped(c, ['read:logs', 'read:logs_users']);
    const q = (name: string) => c.req.query(name);
    const from = q('from');
    const now = emulator.clock();
    if (from !== undefined || q('take') !== undefined) {
      // Checkpoint mode: every parameter other than from and take is ignored.
      const takeRaw = q('take');
      const take = takeRaw === undefined ? 50 : Number(takeRaw);
      if (!Number.isInteger(take) || take < 1 || take > 100)
        throw Auth0Error.of(
          400,
          "Query validation error: 'take' must be an integer from 1 to 100.",
          'invalid_query_string',
        );
      const logs = tenant.logs.after(from ?? '0', take, now);
      const next = logs.length > 0 ? logs[logs.length - 1]!.log_id : (from ?? '0');
      const origin = new URL(c.req.url).origin;
      c.header('Link', `<${origin}/api/v2/logs?from=${next}&take=${take}>; rel="next"`);
      return c.json(logs);
    }
    const { page, perPage, totals } = offsetPage(q);
    const qText = q('q') ?? q('search');
    if (qText && qText.length > 4000) throw Auth0Error.of(414, 'Request-URI Too Large');
    const logs = tenant.logs.search({ q: qText, sort: q('sort'), page, perPage }, now);
    if (!totals) return c.json(logs);
    // Search engine v3: `total` is the page's length.
    return c.json({
      start: page * perPage,
      limit: perPage,
      length: logs.length,
      total: logs.length,
      logs,
    });
  });

  app.get('/api/v2/logs/:id', (c) => {
    scoped(c, ['read:logs', 'read:logs_users']);
    const log = tenant.logs.byId(c.req.param('id'), emulator.clock());
    if (!log) throw Auth0Error.notFound('Log not found.');
    return c.json(log);
  });

  app.get('/api/v2/users', (c) => {
    scoped(c, ['read:users']);
    const { page, perPage, totals } = offsetPage((n) => c.req.query(n));
    const [field, dir] = (c.req.query('sort') ?? 'user_id:1').split(':');
    const key =
      field === 'created_at' || field === 'updated_at' || field === 'email' ? field : 'user_id';
    const sign = dir === '-1' ? -1 : 1;
    const all = [...emulator.search.users.values()].sort((a, b) => {
      const x = String(a[key] ?? '');
      const y = String(b[key] ?? '');
      return x < y ? -sign : x > y ? sign : a.user_id < b.user_id ? -1 : 1;
    });
    const users = all.slice(page * perPage, (page + 1) * perPage);
    if (!totals) return c.json(users);
    return c.json({
      start: page * perPage,
      limit: perPage,
      length: users.length,
      users,
      total: all.length,
    });
  });

  app.get('/api/v2/users/:id', (c) => {
    scoped(c, ['read:users']);
    return c.json(tenant.user(c.req.param('id')));
  });

  app.get('/api/v2/organizations', (c) => {
    scoped(c, ['read:organizations', 'read:organizations_summary']);
    const q = (n: string) => c.req.query(n);
    const orgs = [...tenant.organizations.values()];
    const cp = checkpoint(q);
    if (cp) {
      const positioned = orgs.map((o) => ({ position: tenant.seq.get(`org:${o.id}`)!, item: o }));
      const { page, next } = checkpointPage(positioned, cp);
      // The last page omits `next`.
      const more = positioned.filter((p) => p.position > cp.after).length > page.length;
      return c.json({ organizations: page, ...(more && next ? { next } : {}) });
    }
    const { page, perPage, totals } = offsetPage(q);
    const slice = orgs.slice(page * perPage, (page + 1) * perPage);
    if (!totals) return c.json(slice);
    return c.json({
      start: page * perPage,
      limit: perPage,
      total: orgs.length,
      organizations: slice,
    });
  });

  app.get('/api/v2/organizations/:id', (c) => {
    scoped(c, ['read:organizations', 'read:organizations_summary']);
    return c.json(tenant.organization(c.req.param('id')));
  });

  app.get('/api/v2/organizations/:id/members', (c) => {
    const withRoles = (c.req.query('fields') ?? '').split(',').includes('roles');
    scoped(c, ['read:organization_members']);
    if (withRoles) scoped(c, ['read:organization_member_roles']);
    const orgId = c.req.param('id');
    tenant.organization(orgId);
    // Search-backed: an organization made since the index's copy has no members there yet.
    const listed = emulator.search.members.get(orgId) ?? new Map<string, Set<string>>();
    const members = [...listed.entries()].map(([userId, roleIds]) => {
      const user = emulator.search.users.get(userId);
      const member: Record<string, unknown> = {
        user_id: userId,
        email: user?.email ?? null,
        picture: user?.picture ?? null,
        name: user?.name ?? null,
      };
      if (withRoles)
        member.roles = [...roleIds].map((id) => ({ id, name: tenant.roles.get(id)?.name ?? '' }));
      return { position: tenant.seq.get(`member:${orgId}:${userId}`)!, item: member };
    });
    const q = (n: string) => c.req.query(n);
    const cp = checkpoint(q);
    if (cp) {
      // The last non-empty page still carries `next`; the end is an empty page without it.
      const { page, next } = checkpointPage(members, cp);
      return c.json({ members: page, ...(next ? { next } : {}) });
    }
    const { page, perPage, totals } = offsetPage(q);
    const slice = members.slice(page * perPage, (page + 1) * perPage).map((m) => m.item);
    if (!totals) return c.json(slice);
    return c.json({ start: page * perPage, limit: perPage, total: members.length, members: slice });
  });

  app.get('/api/v2/organizations/:id/members/:userId/roles', (c) => {
    scoped(c, ['read:organization_member_roles']);
    const orgId = c.req.param('id');
    tenant.organization(orgId);
    const roles = tenant.members.get(orgId)!.get(decodeURIComponent(c.req.param('userId')));
    if (!roles) throw Auth0Error.notFound('The user is not a member of the organization.');
    const { page, perPage, totals } = offsetPage((n) => c.req.query(n));
    const all = [...roles].map((id) => tenant.roles.get(id)!).filter(Boolean);
    const slice = all.slice(page * perPage, (page + 1) * perPage);
    if (!totals) return c.json(slice);
    return c.json({ start: page * perPage, limit: perPage, total: all.length, roles: slice });
  });

  app.get('/api/v2/roles', (c) => {
    scoped(c, ['read:roles']);
    const { page, perPage, totals } = offsetPage((n) => c.req.query(n));
    const filter = c.req.query('name_filter');
    const all = [...tenant.roles.values()].filter((r) => !filter || r.name.includes(filter));
    const slice = all.slice(page * perPage, (page + 1) * perPage);
    if (!totals) return c.json(slice);
    return c.json({ start: page * perPage, limit: perPage, total: all.length, roles: slice });
  });

  app.get('/api/v2/roles/:id', (c) => {
    scoped(c, ['read:roles']);
    return c.json(tenant.role(c.req.param('id')));
  });
}
