import { deleteConnection } from './connections.js';
import { deleteDirectory } from './directories.js';
import { deleteMembership } from './memberships.js';
import { deleteRole } from './roles.js';
import type { Organization, OrganizationDomain } from './types.js';
import { ApiError, type World } from './world.js';

export interface OrganizationInput {
  name: string;
  domains?: string[];
  domain_data?: { domain: string; state: 'pending' | 'verified' }[];
  metadata?: Record<string, string> | null;
  external_id?: string | null;
  allow_profiles_outside_organization?: boolean;
}

export function createOrganization(world: World, input: OrganizationInput): Organization {
  if (typeof input.name !== 'string' || input.name.trim() === '') throw ApiError.invalid('name');
  const now = world.isoNow();
  const organization: Organization = {
    object: 'organization',
    id: world.newId('org'),
    name: input.name,
    domains: [],
    metadata: input.metadata ?? {},
    external_id: input.external_id ?? null,
    allow_profiles_outside_organization: input.allow_profiles_outside_organization ?? false,
    created_at: now,
    updated_at: now,
  };
  world.organizations.put(organization);
  world.emit('organization.created', organization, organization.id);
  const domains =
    input.domain_data ??
    (input.domains ?? []).map((domain) => ({ domain, state: 'pending' as const }));
  for (const d of domains)
    createDomain(world, { organization_id: organization.id, domain: d.domain, state: d.state });
  return world.organizations.get(organization.id) as Organization;
}

export function updateOrganization(
  world: World,
  id: string,
  patch: Partial<Omit<OrganizationInput, 'domains' | 'domain_data'>>,
): Organization {
  const current = world.require(world.organizations, 'Organization', id);
  const organization: Organization = { ...current };
  if (patch.name !== undefined) {
    if (typeof patch.name !== 'string' || patch.name.trim() === '') throw ApiError.invalid('name');
    organization.name = patch.name;
  }
  if (patch.metadata !== undefined) organization.metadata = patch.metadata ?? {};
  if (patch.external_id !== undefined) organization.external_id = patch.external_id;
  if (patch.allow_profiles_outside_organization !== undefined) {
    organization.allow_profiles_outside_organization = patch.allow_profiles_outside_organization;
  }
  return saveOrganization(world, organization);
}

function saveOrganization(world: World, organization: Organization): Organization {
  organization.updated_at = world.isoNow();
  world.organizations.put(organization);
  world.emit('organization.updated', organization, organization.id);
  return organization;
}

/**
 * Deletes the organization and what hangs off it, each with its own event: memberships,
 * domains, connections, directories and organization roles, then `organization.deleted`.
 */
export function deleteOrganization(world: World, id: string): Organization {
  const organization = world.require(world.organizations, 'Organization', id);
  for (const m of world.memberships.where('organization', id)) deleteMembership(world, m.id);
  for (const c of world.connections.where('organization', id)) deleteConnection(world, c.id);
  for (const d of world.directories.where('organization', id)) deleteDirectory(world, d.id);
  for (const r of world.roles.where('organization', id)) deleteRole(world, r.id);
  for (const d of world.domains.where('organization', id)) {
    world.domains.delete(d.id);
    world.emit('organization_domain.deleted', d, id);
  }
  for (const invitation of world.invitations.where('organization', id))
    world.invitations.delete(invitation.id);
  const current = world.organizations.get(id) as Organization;
  world.organizations.delete(id);
  world.emit('organization.deleted', current, id);
  return organization;
}

export function createDomain(
  world: World,
  input: { organization_id: string; domain: string; state?: OrganizationDomain['state'] },
): OrganizationDomain {
  world.require(world.organizations, 'Organization', input.organization_id);
  if (typeof input.domain !== 'string' || !/^[a-z0-9.-]+\.[a-z]{2,}$/i.test(input.domain)) {
    throw ApiError.invalid('domain');
  }
  if (world.domains.where('domain', input.domain).length > 0) {
    throw new ApiError(409, {
      code: 'domain_already_exists',
      message: `Domain ${input.domain} already exists.`,
    });
  }
  const now = world.isoNow();
  const domain: OrganizationDomain = {
    object: 'organization_domain',
    id: world.newId('org_domain'),
    organization_id: input.organization_id,
    domain: input.domain,
    state: input.state ?? 'pending',
    verification_strategy: input.state === 'verified' ? 'manual' : 'dns',
    verification_token: world.random
      .int(2 ** 31)
      .toString(36)
      .padStart(8, 'x'),
    verification_prefix: 'workos-verification',
    created_at: now,
    updated_at: now,
  };
  world.domains.put(domain);
  world.emit('organization_domain.created', domain, domain.organization_id);
  refreshOrganizationDomains(world, domain.organization_id);
  return domain;
}

export function verifyDomain(
  world: World,
  id: string,
  outcome: 'verified' | 'failed',
): OrganizationDomain {
  const current = world.require(world.domains, 'Organization domain', id);
  const domain: OrganizationDomain = { ...current, state: outcome, updated_at: world.isoNow() };
  world.domains.put(domain);
  if (outcome === 'verified') {
    world.emit('organization_domain.verified', domain, domain.organization_id);
  } else {
    world.emit(
      'organization_domain.verification_failed',
      { reason: 'domain_verification_period_expired', organization_domain: domain },
      domain.organization_id,
    );
  }
  refreshOrganizationDomains(world, domain.organization_id);
  return domain;
}

export function deleteDomain(world: World, id: string): OrganizationDomain {
  const domain = world.require(world.domains, 'Organization domain', id);
  world.domains.delete(id);
  world.emit('organization_domain.deleted', domain, domain.organization_id);
  refreshOrganizationDomains(world, domain.organization_id);
  return domain;
}

/** The organization embeds its domains, so a domain change is also an `organization.updated`. */
function refreshOrganizationDomains(world: World, organizationId: string): void {
  const organization = world.organizations.get(organizationId);
  if (!organization) return;
  const domains = world.domains.where('organization', organizationId);
  if (world.silentDomainChanges) {
    world.organizations.put({ ...organization, domains });
    return;
  }
  saveOrganization(world, {
    ...organization,
    domains,
  });
}
