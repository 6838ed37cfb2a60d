// PostgreSQL migration 1, as shipped. Frozen: never edit; a change is a new migration.
// The same tables as SQLite's migrations 1-2 with PostgreSQL's types. authsync_events.created_at
// is text: an event too broken to parse is still recorded (as dead). authsync_outbox.seq is the
// insertion order (SQLite orders by its rowid).
export const m0001 = {
  version: 1,
  name: 'tables',
  sql: `CREATE TABLE workos_users (
  id text NOT NULL,
  email text,
  email_verified boolean,
  first_name text,
  last_name text,
  profile_picture_url text,
  external_id text,
  metadata jsonb,
  last_sign_in_at timestamptz,
  locale text,
  raw jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  last_event_id text,
  PRIMARY KEY (id)
);
CREATE TABLE workos_organizations (
  id text NOT NULL,
  name text,
  external_id text,
  stripe_customer_id text,
  allow_profiles_outside_organization boolean,
  metadata jsonb,
  domains jsonb,
  raw jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  last_event_id text,
  PRIMARY KEY (id)
);
CREATE TABLE workos_organization_domains (
  id text NOT NULL,
  organization_id text,
  domain text,
  state text,
  verification_strategy text,
  verification_token text,
  verification_prefix text,
  raw jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  last_event_id text,
  PRIMARY KEY (id)
);
CREATE TABLE workos_organization_memberships (
  id text NOT NULL,
  user_id text,
  organization_id text,
  status text,
  role_slug text,
  role_slugs jsonb,
  custom_attributes jsonb,
  directory_managed boolean,
  raw jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  last_event_id text,
  PRIMARY KEY (id)
);
CREATE TABLE workos_invitations (
  id text NOT NULL,
  email text,
  state text,
  organization_id text,
  inviter_user_id text,
  accepted_user_id text,
  role_slug text,
  expires_at timestamptz,
  accepted_at timestamptz,
  revoked_at timestamptz,
  raw jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  last_event_id text,
  PRIMARY KEY (id)
);
CREATE TABLE workos_roles (
  key text NOT NULL,
  slug text,
  organization_id text,
  type text,
  name text,
  description text,
  permissions jsonb,
  resource_type_slug text,
  raw jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  last_event_id text,
  PRIMARY KEY (key)
);
CREATE TABLE workos_connections (
  id text NOT NULL,
  organization_id text,
  connection_type text,
  name text,
  state text,
  status text,
  domains jsonb,
  raw jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  last_event_id text,
  PRIMARY KEY (id)
);
CREATE TABLE workos_directories (
  id text NOT NULL,
  organization_id text,
  type text,
  state text,
  name text,
  domain text,
  raw jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  last_event_id text,
  PRIMARY KEY (id)
);
CREATE TABLE workos_directory_users (
  id text NOT NULL,
  directory_id text,
  organization_id text,
  idp_id text,
  email text,
  first_name text,
  last_name text,
  username text,
  job_title text,
  state text,
  role_slug text,
  custom_attributes jsonb,
  raw jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  last_event_id text,
  PRIMARY KEY (id)
);
CREATE TABLE workos_directory_groups (
  id text NOT NULL,
  directory_id text,
  organization_id text,
  idp_id text,
  name text,
  raw jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  last_event_id text,
  PRIMARY KEY (id)
);
CREATE TABLE workos_directory_group_members (
  directory_group_id text NOT NULL,
  directory_user_id text NOT NULL,
  directory_id text,
  organization_id text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  last_event_id text,
  PRIMARY KEY (directory_group_id, directory_user_id)
);
CREATE TABLE workos_activity (
  id text NOT NULL,
  event text,
  user_id text,
  organization_id text,
  occurred_at timestamptz,
  data jsonb,
  PRIMARY KEY (id)
);
CREATE INDEX workos_organization_domains_org ON workos_organization_domains (organization_id);
CREATE INDEX workos_organization_memberships_org ON workos_organization_memberships (organization_id);
CREATE INDEX workos_organization_memberships_user ON workos_organization_memberships (user_id);
CREATE INDEX workos_invitations_org ON workos_invitations (organization_id);
CREATE INDEX workos_roles_org ON workos_roles (organization_id);
CREATE INDEX workos_connections_org ON workos_connections (organization_id);
CREATE INDEX workos_directories_org ON workos_directories (organization_id);
CREATE INDEX workos_directory_users_dir ON workos_directory_users (directory_id);
CREATE INDEX workos_directory_users_org ON workos_directory_users (organization_id);
CREATE INDEX workos_directory_groups_dir ON workos_directory_groups (directory_id);
CREATE INDEX workos_directory_groups_org ON workos_directory_groups (organization_id);
CREATE INDEX workos_directory_group_members_user ON workos_directory_group_members (directory_user_id);
CREATE INDEX workos_directory_group_members_dir ON workos_directory_group_members (directory_id);
CREATE INDEX workos_directory_group_members_org ON workos_directory_group_members (organization_id);
CREATE INDEX workos_activity_user ON workos_activity (user_id, occurred_at);
CREATE TABLE authsync_events (
  id text PRIMARY KEY,
  type text NOT NULL,
  lane text NOT NULL,
  created_at text NOT NULL,
  status text NOT NULL,
  source text NOT NULL,
  received_at timestamptz NOT NULL,
  data text NOT NULL,
  webhook_at timestamptz,
  api_seen integer NOT NULL DEFAULT 1
);
CREATE INDEX authsync_events_waiting ON authsync_events (lane, id) WHERE status IN ('pending', 'dead');
CREATE INDEX authsync_events_held ON authsync_events (received_at) WHERE status = 'held';
CREATE TABLE authsync_cursor (
  name text PRIMARY KEY,
  after_id text,
  range_start timestamptz,
  last_event_at timestamptz,
  updated_at timestamptz NOT NULL
);
CREATE TABLE authsync_tombstones (
  table_name text NOT NULL,
  key text NOT NULL,
  deleted_at timestamptz NOT NULL,
  PRIMARY KEY (table_name, key)
);
CREATE TABLE authsync_dead_letters (
  event_id text PRIMARY KEY,
  type text NOT NULL,
  lane text NOT NULL,
  error text NOT NULL,
  failed_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 1
);
CREATE TABLE authsync_outbox (
  seq bigserial,
  event_id text PRIMARY KEY,
  type text NOT NULL,
  data text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at bigint NOT NULL DEFAULT 0,
  last_error text,
  done integer NOT NULL DEFAULT 0
);
CREATE INDEX authsync_outbox_due ON authsync_outbox (done, next_attempt_at);
CREATE TABLE authsync_state (
  key text PRIMARY KEY,
  value text NOT NULL
);
CREATE TABLE authsync_reconcile_seen (
  table_name text NOT NULL,
  key text NOT NULL,
  PRIMARY KEY (table_name, key)
);`,
};
