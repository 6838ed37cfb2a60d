import type { Context, Hono } from 'hono';
import {
  acceptInvitation,
  createInvitation,
  resendInvitation,
  revokeInvitation,
} from '../state/invitations.js';
import {
  createMembership,
  deleteMembership,
  membershipApiObject,
  updateMembership,
} from '../state/memberships.js';
import {
  createDomain,
  createOrganization,
  deleteDomain,
  deleteOrganization,
  updateOrganization,
} from '../state/organizations.js';
import { createUser, deleteUser, updateUser } from '../state/users.js';
import { ApiError } from '../state/world.js';
import type { Emulator } from '../emulator.js';

/** The JSON object of a request body, or a 422 saying why not. */
export async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new ApiError(422, {
      code: 'invalid_request_parameters',
      message: 'The request body must be a JSON object.',
    });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(422, {
      code: 'invalid_request_parameters',
      message: 'The request body must be a JSON object.',
    });
  }
  return body as Record<string, unknown>;
}

/**
 * The WorkOS endpoints that change users, organizations, memberships, domains and
 * invitations, so the official SDK can drive the emulator as it drives WorkOS.
 */
export function mountWrites(app: Hono, emulator: Emulator): void {
  const w = () => emulator.world;
  // Request bodies arrive as loose JSON; each state function validates what it needs.
  const id = (c: Context) => c.req.param('id') as string;

  app.post('/user_management/users', async (c) =>
    c.json(
      createUser(w(), (await jsonBody(c)) as unknown as Parameters<typeof createUser>[1]),
      201,
    ),
  );
  app.put('/user_management/users/:id', async (c) =>
    c.json(updateUser(w(), id(c), await jsonBody(c))),
  );
  app.delete('/user_management/users/:id', (c) => {
    deleteUser(w(), id(c));
    return c.body(null, 200);
  });

  app.post('/organizations', async (c) => {
    const body = await jsonBody(c);
    return c.json(
      createOrganization(w(), body as unknown as Parameters<typeof createOrganization>[1]),
      201,
    );
  });
  app.put('/organizations/:id', async (c) =>
    c.json(updateOrganization(w(), id(c), await jsonBody(c))),
  );
  app.delete('/organizations/:id', (c) => {
    deleteOrganization(w(), id(c));
    return c.body(null, 200);
  });

  app.post('/organization_domains', async (c) => {
    const body = await jsonBody(c);
    return c.json(
      createDomain(w(), {
        organization_id: String(body.organization_id),
        domain: String(body.domain),
      }),
      201,
    );
  });
  app.delete('/organization_domains/:id', (c) => {
    deleteDomain(w(), id(c));
    return c.body(null, 204);
  });

  const withUser = (m: ReturnType<typeof createMembership>) => membershipApiObject(w(), m);
  app.post('/user_management/organization_memberships', async (c) => {
    const body = await jsonBody(c);
    return c.json(
      withUser(createMembership(w(), body as unknown as Parameters<typeof createMembership>[1])),
      201,
    );
  });
  app.put('/user_management/organization_memberships/:id', async (c) =>
    c.json(withUser(updateMembership(w(), id(c), await jsonBody(c)))),
  );
  app.put('/user_management/organization_memberships/:id/deactivate', (c) =>
    c.json(withUser(updateMembership(w(), id(c), { status: 'inactive' }))),
  );
  app.put('/user_management/organization_memberships/:id/reactivate', (c) =>
    c.json(withUser(updateMembership(w(), id(c), { status: 'active' }))),
  );
  app.delete('/user_management/organization_memberships/:id', (c) => {
    deleteMembership(w(), id(c));
    return c.body(null, 200);
  });

  app.post('/user_management/invitations', async (c) => {
    const body = await jsonBody(c);
    return c.json(
      createInvitation(w(), body as unknown as Parameters<typeof createInvitation>[1]),
      201,
    );
  });
  app.post('/user_management/invitations/:id/accept', (c) => c.json(acceptInvitation(w(), id(c))));
  app.post('/user_management/invitations/:id/revoke', (c) => c.json(revokeInvitation(w(), id(c))));
  app.post('/user_management/invitations/:id/resend', (c) => c.json(resendInvitation(w(), id(c))));
}
