import type { Context, Hono } from 'hono';
import type { Auth0Emulator } from '../emulator.js';
import { Auth0Error } from '../errors.js';
import type { ApiCaller } from '../log-entries.js';

type Caller = (c: Context, anyOf: string[]) => ApiCaller;

async function body(c: Context): Promise<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = await c.req.json();
  } catch {
    throw Auth0Error.badRequest('Invalid request payload JSON format');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw Auth0Error.badRequest('Payload validation error: Expected type object.');
  return parsed as Record<string, unknown>;
}

function ids(input: Record<string, unknown>, field: string): string[] {
  const list = input[field];
  if (!Array.isArray(list) || list.length === 0 || !list.every((x) => typeof x === 'string'))
    throw Auth0Error.badRequest(
      `Payload validation error: '${field}' must be a non-empty array of strings.`,
    );
  return list as string[];
}

/** The Management API's writes; each writes the `sapi` log the real API writes. */
export function mountWrites(app: Hono, emulator: Auth0Emulator, caller: Caller): void {
  const t = emulator.tenant;
  const user = (c: Context) => decodeURIComponent(c.req.param('userId') ?? c.req.param('id')!);

  app.post('/api/v2/users', async (c) =>
    c.json(t.createUser(caller(c, ['create:users']), await body(c)), 201),
  );
  app.patch('/api/v2/users/:id', async (c) =>
    c.json(t.updateUser(caller(c, ['update:users']), user(c), await body(c))),
  );
  app.delete('/api/v2/users/:id', (c) => {
    t.deleteUser(caller(c, ['delete:users']), user(c));
    return c.body(null, 204);
  });

  app.post('/api/v2/organizations', async (c) =>
    c.json(t.createOrganization(caller(c, ['create:organizations']), await body(c)), 201),
  );
  app.patch('/api/v2/organizations/:id', async (c) =>
    c.json(
      t.updateOrganization(caller(c, ['update:organizations']), c.req.param('id'), await body(c)),
    ),
  );
  app.delete('/api/v2/organizations/:id', (c) => {
    t.deleteOrganization(caller(c, ['delete:organizations']), c.req.param('id'));
    return c.body(null, 204);
  });
  app.post('/api/v2/organizations/:id/members', async (c) => {
    t.addMembers(
      caller(c, ['create:organization_members']),
      c.req.param('id'),
      ids(await body(c), 'members'),
    );
    return c.body(null, 204);
  });
  app.delete('/api/v2/organizations/:id/members', async (c) => {
    t.removeMembers(
      caller(c, ['delete:organization_members']),
      c.req.param('id'),
      ids(await body(c), 'members'),
    );
    return c.body(null, 204);
  });
  app.post('/api/v2/organizations/:id/members/:userId/roles', async (c) => {
    const who = caller(c, ['create:organization_member_roles']);
    t.assignMemberRoles(who, c.req.param('id'), user(c), ids(await body(c), 'roles'));
    return c.body(null, 204);
  });
  app.delete('/api/v2/organizations/:id/members/:userId/roles', async (c) => {
    const who = caller(c, ['delete:organization_member_roles']);
    t.removeMemberRoles(who, c.req.param('id'), user(c), ids(await body(c), 'roles'));
    return c.body(null, 204);
  });

  app.post('/api/v2/roles', async (c) =>
    c.json(t.createRole(caller(c, ['create:roles']), await body(c))),
  );
  app.patch('/api/v2/roles/:id', async (c) =>
    c.json(t.updateRole(caller(c, ['update:roles']), c.req.param('id'), await body(c))),
  );
  app.delete('/api/v2/roles/:id', (c) => {
    t.deleteRole(caller(c, ['delete:roles']), c.req.param('id'));
    return c.body(null, 200);
  });
}
