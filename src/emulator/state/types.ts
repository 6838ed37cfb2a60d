/** The WorkOS objects the emulator keeps, in their wire shape (snake_case, as the API sends). */

export interface Timestamps {
  created_at: string;
  updated_at: string;
}

export interface User extends Timestamps {
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
  locale: string | null;
}

export interface OrganizationDomain extends Timestamps {
  object: 'organization_domain';
  id: string;
  organization_id: string;
  domain: string;
  state: 'pending' | 'verified' | 'failed' | 'legacy_verified' | 'unverified';
  verification_strategy: 'dns' | 'manual';
  verification_token: string;
  verification_prefix: string;
}

export interface Organization extends Timestamps {
  object: 'organization';
  id: string;
  name: string;
  domains: OrganizationDomain[];
  metadata: Record<string, string>;
  external_id: string | null;
  allow_profiles_outside_organization: boolean;
}

export interface SlimRole {
  slug: string;
}

export interface OrganizationMembership extends Timestamps {
  object: 'organization_membership';
  id: string;
  user_id: string;
  organization_id: string;
  status: 'active' | 'inactive' | 'pending';
  role: SlimRole;
  roles: SlimRole[];
  custom_attributes: Record<string, unknown>;
  directory_managed: boolean;
}

export interface Invitation extends Timestamps {
  object: 'invitation';
  id: string;
  email: string;
  state: 'pending' | 'accepted' | 'expired' | 'revoked';
  accepted_at: string | null;
  revoked_at: string | null;
  expires_at: string;
  token: string;
  accept_invitation_url: string;
  organization_id: string | null;
  inviter_user_id: string | null;
  accepted_user_id: string | null;
  role_slug: string | null;
}

export interface Role extends Timestamps {
  object: 'role';
  /** Roles have no id on the wire; we key environment roles by slug, organization roles by org + slug. */
  id: string;
  slug: string;
  name: string;
  description: string | null;
  type: 'EnvironmentRole' | 'OrganizationRole';
  organization_id: string | null;
  permissions: string[];
  resource_type_slug: string;
}

export interface ConnectionDomain {
  object: 'connection_domain';
  id: string;
  domain: string;
}

export interface Connection extends Timestamps {
  object: 'connection';
  id: string;
  organization_id: string;
  connection_type: string;
  name: string;
  state: 'draft' | 'active' | 'validating' | 'inactive' | 'deleting';
  status: 'linked' | 'unlinked';
  external_key: string;
  domains: ConnectionDomain[];
}

export interface Directory extends Timestamps {
  object: 'directory';
  id: string;
  organization_id: string;
  type: string;
  state: 'active' | 'validating' | 'invalid_credentials' | 'inactive' | 'deleting';
  name: string;
  domain: string | null;
  external_key: string;
}

export interface DirectoryUser extends Timestamps {
  object: 'directory_user';
  id: string;
  directory_id: string;
  organization_id: string;
  idp_id: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  emails: { primary: boolean; type: string; value: string | null }[];
  username: string | null;
  job_title: string | null;
  state: 'active' | 'suspended' | 'inactive';
  raw_attributes: Record<string, unknown>;
  custom_attributes: Record<string, unknown>;
  role: SlimRole;
}

export interface DirectoryGroup extends Timestamps {
  object: 'directory_group';
  id: string;
  idp_id: string;
  directory_id: string;
  organization_id: string;
  name: string;
  raw_attributes: Record<string, unknown>;
}
