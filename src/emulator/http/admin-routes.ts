import type { Hono } from 'hono';
import { ACTIVITY_TYPES, recordActivity, type ActivityType } from '../state/activity.js';
import { createConnection, deleteConnection, setConnectionActive } from '../state/connections.js';
import {
  activateDirectory,
  addUserToGroup,
  createDirectoryGroup,
  createDirectoryUser,
  deleteDirectory,
  deleteDirectoryGroup,
  deleteDirectoryUser,
  removeUserFromGroup,
  updateDirectoryGroup,
  updateDirectoryUser,
} from '../state/directories.js';
import {
  acceptInvitation,
  createInvitation,
  resendInvitation,
  revokeInvitation,
} from '../state/invitations.js';
import { createMembership, deleteMembership, updateMembership } from '../state/memberships.js';
import {
  createDomain,
  createOrganization,
  deleteDomain,
  deleteOrganization,
  updateOrganization,
  verifyDomain,
} from '../state/organizations.js';
import { createRole, deleteRole, updateRole } from '../state/roles.js';
import { createUser, deleteUser, updateUser } from '../state/users.js';
import { ApiError, type World } from '../state/world.js';
import type { Emulator } from '../emulator.js';
import { jsonBody } from './write-routes.js';

// Admin requests carry loose JSON; each state function checks the fields it needs.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Args = Record<string, any>;

/** Every change the admin API can make: `POST /_emulator/changes {"op": "...", ...args}`. */
const CHANGES: Record<string, (world: World, a: Args) => unknown> = {
  'user.create': (w, a) => createUser(w, a as never),
  'user.update': (w, a) => updateUser(w, a.id, a),
  'user.delete': (w, a) => deleteUser(w, a.id),
  'organization.create': (w, a) => createOrganization(w, a as never),
  'organization.update': (w, a) => updateOrganization(w, a.id, a),
  'organization.delete': (w, a) => deleteOrganization(w, a.id),
  'organization_domain.create': (w, a) => createDomain(w, a as never),
  'organization_domain.verify': (w, a) => verifyDomain(w, a.id, 'verified'),
  'organization_domain.fail': (w, a) => verifyDomain(w, a.id, 'failed'),
  'organization_domain.delete': (w, a) => deleteDomain(w, a.id),
  'organization_membership.create': (w, a) => createMembership(w, a as never),
  'organization_membership.update': (w, a) => updateMembership(w, a.id, a),
  'organization_membership.delete': (w, a) => deleteMembership(w, a.id),
  'invitation.create': (w, a) => createInvitation(w, a as never),
  'invitation.accept': (w, a) => acceptInvitation(w, a.id),
  'invitation.revoke': (w, a) => revokeInvitation(w, a.id),
  'invitation.resend': (w, a) => resendInvitation(w, a.id),
  'role.create': (w, a) => createRole(w, a as never),
  'role.update': (w, a) => updateRole(w, a.id, a),
  'role.delete': (w, a) => deleteRole(w, a.id),
  'connection.create': (w, a) => createConnection(w, a as never),
  'connection.activate': (w, a) => setConnectionActive(w, a.id, true),
  'connection.deactivate': (w, a) => setConnectionActive(w, a.id, false),
  'connection.delete': (w, a) => deleteConnection(w, a.id),
  'directory.activate': (w, a) => activateDirectory(w, a as never),
  'directory.delete': (w, a) => deleteDirectory(w, a.id),
  'directory_user.create': (w, a) => createDirectoryUser(w, a as never),
  'directory_user.update': (w, a) => updateDirectoryUser(w, a.id, a),
  'directory_user.delete': (w, a) => deleteDirectoryUser(w, a.id),
  'directory_group.create': (w, a) => createDirectoryGroup(w, a as never),
  'directory_group.update': (w, a) => updateDirectoryGroup(w, a.id, a),
  'directory_group.delete': (w, a) => deleteDirectoryGroup(w, a.id),
  'directory_group.add_user': (w, a) => addUserToGroup(w, a.group_id, a.user_id),
  'directory_group.remove_user': (w, a) => removeUserFromGroup(w, a.group_id, a.user_id),
  // An arbitrary event that changes no state: for testing how consumers handle poison events.
  // `envelope` sends some envelope fields as given (`created_at`, `data`, `event`, `context`),
  // however malformed: what a faulty server might send.
  'event.inject': (w, a) => {
    if (typeof a.type !== 'string' || typeof a.data !== 'object' || a.data === null)
      throw ApiError.invalid('type');
    const envelope = a.envelope as unknown;
    if (envelope !== undefined && (typeof envelope !== 'object' || envelope === null))
      throw ApiError.invalid('envelope');
    const org = typeof a.organization_id === 'string' ? a.organization_id : null;
    return { id: w.emit(a.type, a.data, org, envelope as Record<string, unknown>).id };
  },
  'activity.record': (w, a) => {
    if (!ACTIVITY_TYPES.includes(a.type)) throw ApiError.invalid('type');
    return recordActivity(w, {
      type: a.type as ActivityType,
      user_id: a.user_id,
      organization_id: a.organization_id,
    });
  },
};

/**
 * `/_emulator/`: what WorkOS itself has no endpoint for — any change to any resource
 * (including directory sync and SSO changes that come from an IdP), generating more history,
 * faults and webhook settings at runtime, and counts. Not authenticated: the emulator listens
 * on loopback only, for tests.
 */
export function mountAdmin(app: Hono, emulator: Emulator): void {
  app.get('/_emulator/status', (c) => c.json(emulator.status()));

  app.post('/_emulator/changes', async (c) => {
    const { op, ...args } = await jsonBody(c);
    const change = typeof op === 'string' ? CHANGES[op] : undefined;
    if (!change)
      throw ApiError.invalid(
        'op',
        'unknown_change',
        `Unknown op; one of: ${Object.keys(CHANGES).join(', ')}`,
      );
    const result = change(emulator.world, args);
    return c.json({ ok: true, result: result ?? null, events: emulator.world.events.length });
  });

  app.post('/_emulator/generate', async (c) => {
    const { events } = await jsonBody(c);
    if (
      typeof events !== 'number' ||
      !Number.isInteger(events) ||
      events < 1 ||
      events > 1_000_000
    ) {
      throw ApiError.invalid(
        'events',
        'out_of_range',
        'events must be a whole number from 1 to 1,000,000.',
      );
    }
    emulator.generateNow(events);
    return c.json({ ok: true, events: emulator.world.events.length });
  });

  app.get('/_emulator/faults', (c) => c.json(emulator.faults.settings));
  app.put('/_emulator/faults', async (c) => c.json(emulator.faults.update(await jsonBody(c))));

  app.get('/_emulator/webhooks', (c) => c.json(emulator.webhooks.describe()));
  app.put('/_emulator/webhooks', async (c) =>
    c.json(emulator.webhooks.configure(await jsonBody(c))),
  );
}
