import type { OrganizationMembership } from './types.js';
import { ApiError, type World } from './world.js';

export interface MembershipInput {
  user_id: string;
  organization_id: string;
  role_slug?: string;
  role_slugs?: string[];
  status?: OrganizationMembership['status'];
  directory_managed?: boolean;
}

function rolesFrom(
  input: { role_slug?: string; role_slugs?: string[] },
  fallback: string,
): { slug: string }[] {
  const slugs = input.role_slugs ?? (input.role_slug ? [input.role_slug] : [fallback]);
  if (slugs.length === 0 || slugs.some((s) => typeof s !== 'string' || s === '')) {
    throw ApiError.invalid('role_slugs');
  }
  return slugs.map((slug) => ({ slug }));
}

export function createMembership(world: World, input: MembershipInput): OrganizationMembership {
  world.require(world.users, 'User', input.user_id);
  world.require(world.organizations, 'Organization', input.organization_id);
  const existing = world.memberships
    .where('user', input.user_id)
    .find((m) => m.organization_id === input.organization_id);
  if (existing) {
    throw new ApiError(422, {
      code: 'organization_membership_already_exists',
      message: 'The user is already a member of the organization.',
    });
  }
  const roles = rolesFrom(input, 'member');
  const now = world.isoNow();
  const membership: OrganizationMembership = {
    object: 'organization_membership',
    id: world.newId('om'),
    user_id: input.user_id,
    organization_id: input.organization_id,
    status: input.status ?? 'active',
    role: roles[0] as { slug: string },
    roles,
    custom_attributes: {},
    directory_managed: input.directory_managed ?? false,
    created_at: now,
    updated_at: now,
  };
  world.memberships.put(membership);
  world.emit('organization_membership.created', membership, membership.organization_id);
  return membership;
}

export function updateMembership(
  world: World,
  id: string,
  patch: { role_slug?: string; role_slugs?: string[]; status?: OrganizationMembership['status'] },
): OrganizationMembership {
  const current = world.require(world.memberships, 'Organization membership', id);
  const membership: OrganizationMembership = { ...current };
  if (patch.role_slug !== undefined || patch.role_slugs !== undefined) {
    membership.roles = rolesFrom(patch, 'member');
    membership.role = membership.roles[0] as { slug: string };
  }
  if (patch.status !== undefined) {
    if (!['active', 'inactive', 'pending'].includes(patch.status)) throw ApiError.invalid('status');
    membership.status = patch.status;
  }
  membership.updated_at = world.isoNow();
  world.memberships.put(membership);
  world.emit('organization_membership.updated', membership, membership.organization_id);
  return membership;
}

export function deleteMembership(world: World, id: string): OrganizationMembership {
  const membership = world.require(world.memberships, 'Organization membership', id);
  world.memberships.delete(id);
  world.emit('organization_membership.deleted', membership, membership.organization_id);
  return membership;
}

/**
 * The API object: the membership with `organization_name` and the `user`, read when asked
 * (events carry neither, so a rename or user change does not silently alter stored memberships).
 */
export function membershipApiObject(
  world: World,
  m: OrganizationMembership,
): Record<string, unknown> {
  const organization = world.organizations.get(m.organization_id);
  const user = world.users.get(m.user_id);
  return {
    ...m,
    ...(organization ? { organization_name: organization.name } : {}),
    ...(user ? { user } : {}),
  };
}
