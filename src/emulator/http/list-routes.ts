import type { Context, Hono } from 'hono';
import type { Collection, Entity } from '../state/collection.js';
import { directoryApiObject, directoryUserApiObject } from '../state/directories.js';
import { membershipApiObject } from '../state/memberships.js';
import type { OrganizationMembership } from '../state/types.js';
import { ApiError, type World } from '../state/world.js';
import type { Emulator } from '../emulator.js';
import { listBody, multiValue, pageRequest } from './params.js';

/**
 * The list and get endpoints, at the spec's paths with its filters. Filters that the spec
 * names but we do not model (search, domains) are accepted and ignored.
 */
export function mountLists(app: Hono, emulator: Emulator): void {
  const w = (): World => emulator.world;

  const list = <T extends Entity>(
    c: Context,
    collection: Collection<T>,
    filter?: { index: string; key: string },
    keep?: (item: T) => boolean,
    shape: (item: T) => unknown = (x) => x,
  ) => {
    const page = collection.page(pageRequest(c), filter, keep);
    return c.json(listBody({ ...page, data: page.data.map(shape) }));
  };
  const get = <T extends Entity>(
    c: Context,
    collection: Collection<T>,
    what: string,
    shape: (item: T) => unknown = (x) => x,
  ) => c.json(shape(w().require(collection, what, c.req.param('id') as string)) as object);

  const membershipShape = (m: OrganizationMembership) => membershipApiObject(w(), m);

  app.get('/user_management/users', (c) => {
    const email = c.req.query('email');
    const organizationId = c.req.query('organization_id') || c.req.query('organization');
    if (organizationId) {
      requireOrganization(w(), organizationId);
      const members = new Set(
        w()
          .memberships.where('organization', organizationId)
          .map((m) => m.user_id),
      );
      return list(
        c,
        w().users,
        undefined,
        (u) => members.has(u.id) && (!email || u.email.toLowerCase() === email.toLowerCase()),
      );
    }
    if (email) return list(c, w().users, { index: 'email', key: email.toLowerCase() });
    return list(c, w().users);
  });
  app.get('/user_management/users/:id', (c) => get(c, w().users, 'User'));

  app.get('/organizations', (c) => list(c, w().organizations));
  app.get('/organizations/:id', (c) => get(c, w().organizations, 'Organization'));
  app.get('/organization_domains/:id', (c) => get(c, w().domains, 'Organization domain'));

  app.get('/user_management/organization_memberships', (c) => {
    const userId = c.req.query('user_id');
    const organizationId = c.req.query('organization_id');
    const statuses = multiValue(c, 'statuses');
    const keep = statuses ? (m: OrganizationMembership) => statuses.includes(m.status) : undefined;
    // The API wants one of the two filters (unconfirmed whether it enforces it; we do, so
    // clients that rely on an unfiltered listing fail here rather than in production).
    if (!userId && !organizationId) {
      throw new ApiError(422, {
        code: 'invalid_request_parameters',
        message: 'Either user_id or organization_id must be provided.',
        errors: [{ code: 'required', field: 'organization_id' }],
      });
    }
    if (organizationId) requireOrganization(w(), organizationId);
    const both = userId && organizationId;
    return list(
      c,
      w().memberships,
      organizationId
        ? { index: 'organization', key: organizationId }
        : { index: 'user', key: userId as string },
      both ? (m) => m.user_id === userId && (!keep || keep(m)) : keep,
      membershipShape,
    );
  });
  app.get('/user_management/organization_memberships/:id', (c) =>
    get(c, w().memberships, 'Organization membership', membershipShape),
  );

  app.get('/user_management/invitations', (c) => {
    const organizationId = c.req.query('organization_id');
    const email = c.req.query('email')?.toLowerCase();
    const keep = email ? (i: { email: string }) => i.email.toLowerCase() === email : undefined;
    if (organizationId)
      return list(c, w().invitations, { index: 'organization', key: organizationId }, keep);
    return list(c, w().invitations, undefined, keep);
  });
  app.get('/user_management/invitations/:id', (c) => get(c, w().invitations, 'Invitation'));

  app.get('/connections', (c) => {
    const organizationId = c.req.query('organization_id');
    const type = c.req.query('connection_type');
    const keep = type ? (x: { connection_type: string }) => x.connection_type === type : undefined;
    if (organizationId)
      return list(c, w().connections, { index: 'organization', key: organizationId }, keep);
    return list(c, w().connections, undefined, keep);
  });
  app.get('/connections/:id', (c) => get(c, w().connections, 'Connection'));

  app.get('/directories', (c) => {
    const organizationId = c.req.query('organization_id');
    const filter = organizationId ? { index: 'organization', key: organizationId } : undefined;
    return list(c, w().directories, filter, undefined, directoryApiObject);
  });
  app.get('/directories/:id', (c) => get(c, w().directories, 'Directory', directoryApiObject));

  app.get('/directory_users', (c) => {
    const directory = c.req.query('directory');
    const group = c.req.query('group');
    const shape = (u: Parameters<typeof directoryUserApiObject>[1]) =>
      directoryUserApiObject(w(), u);
    if (group) {
      const g = w().require(w().directoryGroups, 'Directory group', group);
      const members = w().usersOfGroup.get(g.id) ?? new Set<string>();
      return list(
        c,
        w().directoryUsers,
        { index: 'directory', key: g.directory_id },
        (u) => members.has(u.id),
        shape,
      );
    }
    if (!directory)
      throw ApiError.invalid(
        'directory',
        'required',
        "Either 'directory' or 'group' must be provided.",
      );
    w().require(w().directories, 'Directory', directory);
    return list(c, w().directoryUsers, { index: 'directory', key: directory }, undefined, shape);
  });
  app.get('/directory_users/:id', (c) =>
    get(c, w().directoryUsers, 'Directory user', (u) => directoryUserApiObject(w(), u)),
  );

  app.get('/directory_groups', (c) => {
    const directory = c.req.query('directory');
    const user = c.req.query('user');
    if (user) {
      const u = w().require(w().directoryUsers, 'Directory user', user);
      const groups = w().groupsOfUser.get(u.id) ?? new Set<string>();
      return list(c, w().directoryGroups, { index: 'directory', key: u.directory_id }, (g) =>
        groups.has(g.id),
      );
    }
    if (!directory)
      throw ApiError.invalid(
        'directory',
        'required',
        "Either 'directory' or 'user' must be provided.",
      );
    w().require(w().directories, 'Directory', directory);
    return list(c, w().directoryGroups, { index: 'directory', key: directory });
  });
  app.get('/directory_groups/:id', (c) => get(c, w().directoryGroups, 'Directory group'));

  // Roles: the spec's RoleList has no pagination; environment roles, or an organization's
  // own roles together with the environment's.
  const roleShape = (r: { organization_id: string | null }) => {
    const { organization_id: _org, ...rest } = r;
    return rest;
  };
  // A variant pages them (`rolesPageSize`): from `after`, with `list_metadata.after`.
  const roleList = (c: Context, roles: { id: string; organization_id: string | null }[]) => {
    const size = emulator.variant.rolesPageSize;
    if (!size) return c.json({ object: 'list', data: roles.map(roleShape) });
    const after = c.req.query('after');
    const from = after ? roles.findIndex((r) => r.id === after) + 1 : 0;
    const page = roles.slice(from, from + size);
    const more = from + size < roles.length;
    return c.json({
      object: 'list',
      data: page.map(roleShape),
      list_metadata: { before: null, after: more ? page[page.length - 1]!.id : null },
    });
  };
  app.get('/authorization/roles', (c) => roleList(c, w().roles.where('organization', '')));
  app.get('/authorization/organizations/:organizationId/roles', (c) => {
    const organizationId = c.req.param('organizationId');
    w().require(w().organizations, 'Organization', organizationId);
    return roleList(c, [
      ...w().roles.where('organization', ''),
      ...w().roles.where('organization', organizationId),
    ]);
  });
}

function requireOrganization(world: World, id: string): void {
  if (!world.organizations.get(id))
    throw new ApiError(404, { message: `Organization not found: '${id}'.` });
}
