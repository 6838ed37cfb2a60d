import { bool, json, type Row } from '../../../engine/changes.js';
import { InvalidEventError } from '../../../engine/event.js';
import { obj, optStr, optTime, str, tail, type Obj } from './fields.js';

/**
 * One function per table: a WorkOS object (from an event or a list endpoint) to its row.
 * Events and the first import share these, so both write identical rows.
 */

export function userRow(u: Obj): Row {
  return {
    id: str(u, 'id'),
    email: str(u, 'email'),
    email_verified: bool(u.email_verified),
    first_name: optStr(u, 'first_name'),
    last_name: optStr(u, 'last_name'),
    profile_picture_url: optStr(u, 'profile_picture_url'),
    external_id: optStr(u, 'external_id'),
    metadata: json(u.metadata ?? {}),
    last_sign_in_at: optTime(u, 'last_sign_in_at'),
    locale: optStr(u, 'locale'),
    ...tail(u),
  };
}

export function organizationRow(o: Obj): Row {
  if (!Array.isArray(o.domains)) throw new InvalidEventError('domains is missing or not an array');
  return {
    id: str(o, 'id'),
    name: str(o, 'name'),
    external_id: optStr(o, 'external_id'),
    stripe_customer_id: optStr(o, 'stripe_customer_id'),
    allow_profiles_outside_organization: bool(o.allow_profiles_outside_organization),
    metadata: json(o.metadata ?? {}),
    domains: json((o.domains as Obj[]).map((d) => d.domain)),
    ...tail(o),
  };
}

export function domainRow(d: Obj): Row {
  return {
    id: str(d, 'id'),
    organization_id: str(d, 'organization_id'),
    domain: str(d, 'domain'),
    state: optStr(d, 'state'),
    verification_strategy: optStr(d, 'verification_strategy'),
    verification_token: optStr(d, 'verification_token'),
    verification_prefix: optStr(d, 'verification_prefix'),
    ...tail(d),
  };
}

export function membershipRow(m: Obj): Row {
  // The list endpoint embeds `user` and `organization_name`; events do not. Keep `raw` the same
  // (and copy the object only when there is something to leave out: events never do).
  const rest = 'user' in m || 'organization_name' in m ? withoutListExtras(m) : m;
  const role = obj(rest, 'role');
  const roles = Array.isArray(rest.roles)
    ? (rest.roles as Obj[]).map((r) => str(r, 'slug'))
    : [str(role, 'slug')];
  return {
    id: str(rest, 'id'),
    user_id: str(rest, 'user_id'),
    organization_id: str(rest, 'organization_id'),
    status: str(rest, 'status'),
    role_slug: str(role, 'slug'),
    role_slugs: json(roles),
    custom_attributes: json(rest.custom_attributes ?? {}),
    directory_managed: bool(rest.directory_managed),
    ...tail(rest),
  };
}

export function invitationRow(i: Obj): Row {
  // The list endpoint includes the invitation token and its URL: secrets we do not keep.
  const { token: _token, accept_invitation_url: _url, ...rest } = i;
  return {
    id: str(rest, 'id'),
    email: str(rest, 'email'),
    state: str(rest, 'state'),
    organization_id: optStr(rest, 'organization_id'),
    inviter_user_id: optStr(rest, 'inviter_user_id'),
    accepted_user_id: optStr(rest, 'accepted_user_id'),
    role_slug: optStr(rest, 'role_slug'),
    expires_at: optTime(rest, 'expires_at'),
    accepted_at: optTime(rest, 'accepted_at'),
    revoked_at: optTime(rest, 'revoked_at'),
    ...tail(rest),
  };
}

/** Roles have no id in events: the key is the slug, or `organization_id:slug` for organization roles. */
export function roleKey(slug: string, organizationId: string | null): string {
  return organizationId ? `${organizationId}:${slug}` : slug;
}

export function roleRow(r: Obj, organizationId: string | null): Row {
  const slug = str(r, 'slug');
  const { id: _id, type: _type, organization_id: _org, object: _object, ...rest } = r;
  // Events and list objects differ (list: id, name, type; organization_role events: name). Keep what both share.
  return {
    key: roleKey(slug, organizationId),
    slug,
    organization_id: organizationId,
    type: organizationId ? 'OrganizationRole' : 'EnvironmentRole',
    name: optStr(r, 'name'),
    description: optStr(r, 'description'),
    permissions: json(Array.isArray(r.permissions) ? r.permissions : []),
    resource_type_slug: optStr(r, 'resource_type_slug'),
    ...tail({ ...rest, slug, organization_id: organizationId }),
  };
}

export function connectionRow(c: Obj): Row {
  return {
    id: str(c, 'id'),
    organization_id: optStr(c, 'organization_id'),
    connection_type: str(c, 'connection_type'),
    name: optStr(c, 'name'),
    state: str(c, 'state'),
    status: optStr(c, 'status'),
    domains: json(Array.isArray(c.domains) ? (c.domains as Obj[]).map((d) => d.domain) : []),
    ...tail(c),
  };
}

/**
 * Directories: events say `state: active|inactive` and carry `domains[]`; the list endpoint says
 * `linked|unlinked` and a single `domain`. Rows use the event words.
 */
export function directoryRow(d: Obj): Row {
  const listState: Record<string, string> = { linked: 'active', unlinked: 'inactive' };
  const state = str(d, 'state');
  const domains = Array.isArray(d.domains) ? (d.domains as Obj[]) : [];
  return {
    id: str(d, 'id'),
    organization_id: optStr(d, 'organization_id'),
    type: str(d, 'type'),
    state: listState[state] ?? state,
    name: optStr(d, 'name'),
    domain: optStr(d, 'domain') ?? (domains[0] ? optStr(domains[0], 'domain') : null),
    ...tail(d),
  };
}

export function directoryUserRow(u: Obj): Row {
  const { groups: _groups, ...rest } = u;
  const role = rest.role && typeof rest.role === 'object' ? (rest.role as Obj) : null;
  return {
    id: str(rest, 'id'),
    directory_id: str(rest, 'directory_id'),
    organization_id: optStr(rest, 'organization_id'),
    idp_id: optStr(rest, 'idp_id'),
    email: optStr(rest, 'email'),
    first_name: optStr(rest, 'first_name'),
    last_name: optStr(rest, 'last_name'),
    username: optStr(rest, 'username'),
    job_title: optStr(rest, 'job_title'),
    state: str(rest, 'state'),
    role_slug: role ? optStr(role, 'slug') : null,
    custom_attributes: json(rest.custom_attributes ?? {}),
    ...tail(rest),
  };
}

export function directoryGroupRow(g: Obj): Row {
  return {
    id: str(g, 'id'),
    directory_id: str(g, 'directory_id'),
    organization_id: optStr(g, 'organization_id'),
    idp_id: optStr(g, 'idp_id'),
    name: str(g, 'name'),
    ...tail(g),
  };
}

export function groupMemberRow(group: Obj, user: Obj, at: string): Row {
  return {
    directory_group_id: str(group, 'id'),
    directory_user_id: str(user, 'id'),
    directory_id: str(group, 'directory_id'),
    organization_id: optStr(group, 'organization_id'),
    created_at: at,
    updated_at: at,
  };
}

function withoutListExtras(m: Obj): Obj {
  const { user: _user, organization_name: _name, ...rest } = m;
  return rest;
}
