/**
 * WorkOS's event payloads as its API reference documents them, for typed handlers:
 * `sync.on('user.created', (event) => event.data.email)` has `email: string`. These describe
 * the wire; authsync itself reads payloads defensively (projections check every field).
 */

interface Timestamps {
  /** ISO-8601. */
  created_at: string;
  updated_at: string;
}

export interface WorkOSUser extends Timestamps {
  object: 'user';
  id: string;
  email: string;
  email_verified: boolean;
  first_name: string | null;
  last_name: string | null;
  profile_picture_url: string | null;
  external_id: string | null;
  metadata: Record<string, string>;
  last_sign_in_at: string | null;
  locale?: string | null;
}

export interface WorkOSOrganizationDomain extends Timestamps {
  object: 'organization_domain';
  id: string;
  organization_id: string;
  domain: string;
  state: 'pending' | 'verified' | 'failed' | 'legacy_verified' | 'unverified';
  verification_strategy: 'dns' | 'manual';
  verification_token?: string;
  verification_prefix?: string;
}

export interface WorkOSOrganization extends Timestamps {
  object: 'organization';
  id: string;
  name: string;
  domains: WorkOSOrganizationDomain[];
  metadata: Record<string, string>;
  external_id: string | null;
  stripe_customer_id?: string | null;
  allow_profiles_outside_organization: boolean;
}

export interface WorkOSOrganizationMembership extends Timestamps {
  object: 'organization_membership';
  id: string;
  user_id: string;
  organization_id: string;
  status: 'active' | 'inactive' | 'pending';
  role: { slug: string };
  roles?: { slug: string }[];
  custom_attributes?: Record<string, unknown>;
  directory_managed?: boolean;
}

export interface WorkOSInvitation extends Timestamps {
  object: 'invitation';
  id: string;
  email: string;
  state: 'pending' | 'accepted' | 'expired' | 'revoked';
  accepted_at: string | null;
  revoked_at: string | null;
  expires_at: string;
  organization_id: string | null;
  inviter_user_id: string | null;
  accepted_user_id: string | null;
  role_slug?: string | null;
}

export interface WorkOSRole extends Timestamps {
  object: 'role';
  id: string;
  slug: string;
  name: string;
  description: string | null;
  type: 'EnvironmentRole' | 'OrganizationRole';
  organization_id?: string | null;
  permissions: string[];
}

export interface WorkOSConnection extends Timestamps {
  object: 'connection';
  id: string;
  organization_id: string;
  connection_type: string;
  name: string;
  state: 'draft' | 'active' | 'validating' | 'inactive' | 'deleting';
  domains: { object: 'connection_domain'; id: string; domain: string }[];
}

export interface WorkOSDirectory extends Timestamps {
  object: 'directory';
  id: string;
  organization_id: string;
  type: string;
  state: 'active' | 'validating' | 'invalid_credentials' | 'inactive' | 'deleting';
  name: string;
  domain: string | null;
}

export interface WorkOSDirectoryUser extends Timestamps {
  object: 'directory_user';
  id: string;
  directory_id: string;
  organization_id: string;
  idp_id: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  username?: string | null;
  job_title?: string | null;
  state: 'active' | 'suspended' | 'inactive';
  custom_attributes: Record<string, unknown>;
  raw_attributes: Record<string, unknown>;
  role?: { slug: string };
}

export interface WorkOSDirectoryGroup extends Timestamps {
  object: 'directory_group';
  id: string;
  idp_id: string;
  directory_id: string;
  organization_id: string;
  name: string;
  raw_attributes: Record<string, unknown>;
}

export interface WorkOSSession {
  object: 'session';
  id: string;
  user_id: string;
  organization_id?: string | null;
  created_at: string;
}

type Each<Types extends string, Data> = { [K in Types]: Data };

/** Each documented event type and the payload (`data`) it carries. */
export type WorkOSEventData = Each<'user.created' | 'user.updated' | 'user.deleted', WorkOSUser> &
  Each<
    'organization.created' | 'organization.updated' | 'organization.deleted',
    WorkOSOrganization
  > &
  Each<
    | 'organization_domain.created'
    | 'organization_domain.updated'
    | 'organization_domain.deleted'
    | 'organization_domain.verified'
    | 'organization_domain.verification_failed',
    WorkOSOrganizationDomain
  > &
  Each<
    | 'organization_membership.created'
    | 'organization_membership.updated'
    | 'organization_membership.deleted',
    WorkOSOrganizationMembership
  > &
  Each<
    'invitation.created' | 'invitation.accepted' | 'invitation.revoked' | 'invitation.resent',
    WorkOSInvitation
  > &
  Each<
    | 'role.created'
    | 'role.updated'
    | 'role.deleted'
    | 'organization_role.created'
    | 'organization_role.updated'
    | 'organization_role.deleted',
    WorkOSRole
  > &
  Each<'connection.activated' | 'connection.deactivated' | 'connection.deleted', WorkOSConnection> &
  Each<'dsync.activated' | 'dsync.deactivated' | 'dsync.deleted', WorkOSDirectory> &
  Each<'dsync.user.created' | 'dsync.user.updated' | 'dsync.user.deleted', WorkOSDirectoryUser> &
  Each<
    'dsync.group.created' | 'dsync.group.updated' | 'dsync.group.deleted',
    WorkOSDirectoryGroup
  > &
  Each<
    'dsync.group.user_added' | 'dsync.group.user_removed',
    { directory_id: string; user: WorkOSDirectoryUser; group: WorkOSDirectoryGroup }
  > &
  Each<'session.created' | 'session.revoked', WorkOSSession>;

/** An event type authsync's handlers can be typed for. */
export type WorkOSEventType = keyof WorkOSEventData;

/** The envelope of an event of type `K` (any other type: its data as an open record). */
export interface WorkOSEventOf<K extends string> {
  object: 'event';
  id: string;
  event: K;
  data: K extends WorkOSEventType ? WorkOSEventData[K] : Record<string, unknown>;
  /** ISO-8601 UTC with milliseconds. */
  created_at: string;
  context?: Record<string, unknown>;
}

/** What a `*` handler gets: any event. */
export type AnyWorkOSEvent = WorkOSEventOf<string>;
