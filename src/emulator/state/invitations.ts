import { createMembership } from './memberships.js';
import { createUser } from './users.js';
import type { Invitation } from './types.js';
import { ApiError, type World } from './world.js';

const INVITATION_LIFETIME_MS = 7 * 24 * 3600 * 1000;

export function createInvitation(
  world: World,
  input: {
    email: string;
    organization_id?: string | null;
    inviter_user_id?: string | null;
    role_slug?: string | null;
  },
): Invitation {
  if (typeof input.email !== 'string' || !input.email.includes('@'))
    throw ApiError.invalid('email');
  if (input.organization_id)
    world.require(world.organizations, 'Organization', input.organization_id);
  const now = world.now();
  const token = world.random.int(2 ** 31).toString(36) + world.random.int(2 ** 31).toString(36);
  const invitation: Invitation = {
    object: 'invitation',
    id: world.newId('invitation'),
    email: input.email,
    state: 'pending',
    accepted_at: null,
    revoked_at: null,
    expires_at: new Date(now + INVITATION_LIFETIME_MS).toISOString(),
    token,
    accept_invitation_url: `https://example.authkit.app/invite?invitation_token=${token}`,
    organization_id: input.organization_id ?? null,
    inviter_user_id: input.inviter_user_id ?? null,
    accepted_user_id: null,
    role_slug: input.role_slug ?? null,
    created_at: new Date(now).toISOString(),
    updated_at: new Date(now).toISOString(),
  };
  world.invitations.put(invitation);
  world.emit('invitation.created', eventPayload(invitation), invitation.organization_id);
  return invitation;
}

/** Event payloads leave out the secret token and its URL. */
function eventPayload(invitation: Invitation): Record<string, unknown> {
  const { token: _token, accept_invitation_url: _url, ...rest } = invitation;
  return rest;
}

function requirePending(world: World, id: string): Invitation {
  const invitation = world.require(world.invitations, 'Invitation', id);
  if (invitation.state !== 'pending') {
    throw new ApiError(400, {
      code: 'invite_not_pending',
      message: `Invitation is ${invitation.state}.`,
    });
  }
  return invitation;
}

/** Accepting signs the invitee up (if new) and joins them to the organization. */
export function acceptInvitation(world: World, id: string): Invitation {
  const current = requirePending(world, id);
  const user =
    world.users.where('email', current.email.toLowerCase())[0] ??
    createUser(world, { email: current.email, email_verified: true });
  const now = world.isoNow();
  const invitation: Invitation = {
    ...current,
    state: 'accepted',
    accepted_at: now,
    accepted_user_id: user.id,
    updated_at: now,
  };
  world.invitations.put(invitation);
  world.emit('invitation.accepted', eventPayload(invitation), invitation.organization_id);
  if (invitation.organization_id && world.organizations.get(invitation.organization_id)) {
    const already = world.memberships
      .where('user', user.id)
      .some((m) => m.organization_id === invitation.organization_id);
    if (!already) {
      createMembership(world, {
        user_id: user.id,
        organization_id: invitation.organization_id,
        role_slug: invitation.role_slug ?? 'member',
      });
    }
  }
  return invitation;
}

export function revokeInvitation(world: World, id: string): Invitation {
  const current = requirePending(world, id);
  const now = world.isoNow();
  const invitation: Invitation = { ...current, state: 'revoked', revoked_at: now, updated_at: now };
  world.invitations.put(invitation);
  world.emit('invitation.revoked', eventPayload(invitation), invitation.organization_id);
  return invitation;
}

export function resendInvitation(world: World, id: string): Invitation {
  const current = requirePending(world, id);
  const now = world.now();
  const invitation: Invitation = {
    ...current,
    expires_at: new Date(now + INVITATION_LIFETIME_MS).toISOString(),
    updated_at: new Date(now).toISOString(),
  };
  world.invitations.put(invitation);
  world.emit('invitation.resent', eventPayload(invitation), invitation.organization_id);
  return invitation;
}
