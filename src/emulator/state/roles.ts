import type { Role } from './types.js';
import { ApiError, type World } from './world.js';

export interface RoleInput {
  slug: string;
  name?: string;
  description?: string | null;
  permissions?: string[];
  organization_id?: string | null;
}

/** Environment roles are unique by slug; organization roles by organization and slug. */
export function findRole(
  world: World,
  slug: string,
  organizationId: string | null,
): Role | undefined {
  return world.roles.where('organization', organizationId ?? '').find((r) => r.slug === slug);
}

function eventPayload(role: Role): Record<string, unknown> {
  const base = {
    slug: role.slug,
    resource_type_slug: role.resource_type_slug,
    permissions: role.permissions,
    created_at: role.created_at,
    updated_at: role.updated_at,
  };
  if (role.organization_id === null) return { object: 'role', ...base };
  return {
    object: 'organization_role',
    organization_id: role.organization_id,
    name: role.name,
    description: role.description,
    ...base,
  };
}

function emitRole(world: World, role: Role, change: 'created' | 'updated' | 'deleted'): void {
  const prefix = role.organization_id === null ? 'role' : 'organization_role';
  world.emit(`${prefix}.${change}`, eventPayload(role), role.organization_id);
}

export function createRole(world: World, input: RoleInput): Role {
  if (typeof input.slug !== 'string' || !/^[a-z0-9][a-z0-9_-]*$/.test(input.slug))
    throw ApiError.invalid('slug');
  const organizationId = input.organization_id ?? null;
  if (organizationId !== null) world.require(world.organizations, 'Organization', organizationId);
  if (findRole(world, input.slug, organizationId)) {
    throw new ApiError(409, {
      code: 'role_slug_conflict',
      message: `A role with slug '${input.slug}' already exists.`,
    });
  }
  const now = world.isoNow();
  const role: Role = {
    object: 'role',
    id: world.newId('role'),
    slug: input.slug,
    name: input.name ?? input.slug,
    description: input.description ?? null,
    type: organizationId === null ? 'EnvironmentRole' : 'OrganizationRole',
    organization_id: organizationId,
    permissions: input.permissions ?? [],
    resource_type_slug: 'organization',
    created_at: now,
    updated_at: now,
  };
  world.roles.put(role);
  emitRole(world, role, 'created');
  return role;
}

export function updateRole(
  world: World,
  id: string,
  patch: { name?: string; description?: string | null; permissions?: string[] },
): Role {
  const current = world.require(world.roles, 'Role', id);
  const role: Role = { ...current, ...definedOnly(patch), updated_at: world.isoNow() };
  world.roles.put(role);
  emitRole(world, role, 'updated');
  return role;
}

export function deleteRole(world: World, id: string): Role {
  const role = world.require(world.roles, 'Role', id);
  world.roles.delete(id);
  emitRole(world, role, 'deleted');
  return role;
}

function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}
