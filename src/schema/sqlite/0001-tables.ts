// SQLite (and D1) migration 1, as shipped. Frozen: never edit; a change is a new migration.
// The product tables WITHOUT ROWID (migration 6 rebuilt those holding JSON objects). The inbox,
// authsync_events, is keyed by event id (one B-tree, no rowid); only waiting and dead events are
// looked up by lane, so a partial index skips the applied ones.
export const m0001 = {
  version: 1,
  name: 'tables',
  sql: `CREATE TABLE workos_users (
  id TEXT NOT NULL,
  email TEXT,
  email_verified INTEGER,
  first_name TEXT,
  last_name TEXT,
  profile_picture_url TEXT,
  external_id TEXT,
  metadata TEXT,
  last_sign_in_at TEXT,
  locale TEXT,
  raw TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_event_id TEXT,
  PRIMARY KEY (id)
) WITHOUT ROWID;
CREATE TABLE workos_organizations (
  id TEXT NOT NULL,
  name TEXT,
  external_id TEXT,
  stripe_customer_id TEXT,
  allow_profiles_outside_organization INTEGER,
  metadata TEXT,
  domains TEXT,
  raw TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_event_id TEXT,
  PRIMARY KEY (id)
) WITHOUT ROWID;
CREATE TABLE workos_organization_domains (
  id TEXT NOT NULL,
  organization_id TEXT,
  domain TEXT,
  state TEXT,
  verification_strategy TEXT,
  verification_token TEXT,
  verification_prefix TEXT,
  raw TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_event_id TEXT,
  PRIMARY KEY (id)
) WITHOUT ROWID;
CREATE TABLE workos_organization_memberships (
  id TEXT NOT NULL,
  user_id TEXT,
  organization_id TEXT,
  status TEXT,
  role_slug TEXT,
  role_slugs TEXT,
  custom_attributes TEXT,
  directory_managed INTEGER,
  raw TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_event_id TEXT,
  PRIMARY KEY (id)
) WITHOUT ROWID;
CREATE TABLE workos_invitations (
  id TEXT NOT NULL,
  email TEXT,
  state TEXT,
  organization_id TEXT,
  inviter_user_id TEXT,
  accepted_user_id TEXT,
  role_slug TEXT,
  expires_at TEXT,
  accepted_at TEXT,
  revoked_at TEXT,
  raw TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_event_id TEXT,
  PRIMARY KEY (id)
) WITHOUT ROWID;
CREATE TABLE workos_roles (
  key TEXT NOT NULL,
  slug TEXT,
  organization_id TEXT,
  type TEXT,
  name TEXT,
  description TEXT,
  permissions TEXT,
  resource_type_slug TEXT,
  raw TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_event_id TEXT,
  PRIMARY KEY (key)
) WITHOUT ROWID;
CREATE TABLE workos_connections (
  id TEXT NOT NULL,
  organization_id TEXT,
  connection_type TEXT,
  name TEXT,
  state TEXT,
  status TEXT,
  domains TEXT,
  raw TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_event_id TEXT,
  PRIMARY KEY (id)
) WITHOUT ROWID;
CREATE TABLE workos_directories (
  id TEXT NOT NULL,
  organization_id TEXT,
  type TEXT,
  state TEXT,
  name TEXT,
  domain TEXT,
  raw TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_event_id TEXT,
  PRIMARY KEY (id)
) WITHOUT ROWID;
CREATE TABLE workos_directory_users (
  id TEXT NOT NULL,
  directory_id TEXT,
  organization_id TEXT,
  idp_id TEXT,
  email TEXT,
  first_name TEXT,
  last_name TEXT,
  username TEXT,
  job_title TEXT,
  state TEXT,
  role_slug TEXT,
  custom_attributes TEXT,
  raw TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_event_id TEXT,
  PRIMARY KEY (id)
) WITHOUT ROWID;
CREATE TABLE workos_directory_groups (
  id TEXT NOT NULL,
  directory_id TEXT,
  organization_id TEXT,
  idp_id TEXT,
  name TEXT,
  raw TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_event_id TEXT,
  PRIMARY KEY (id)
) WITHOUT ROWID;
CREATE TABLE workos_directory_group_members (
  directory_group_id TEXT NOT NULL,
  directory_user_id TEXT NOT NULL,
  directory_id TEXT,
  organization_id TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_event_id TEXT,
  PRIMARY KEY (directory_group_id, directory_user_id)
) WITHOUT ROWID;
CREATE TABLE workos_activity (
  id TEXT NOT NULL,
  event TEXT,
  user_id TEXT,
  organization_id TEXT,
  occurred_at TEXT,
  data TEXT,
  PRIMARY KEY (id)
) WITHOUT ROWID;
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
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  lane TEXT NOT NULL,
  created_at TEXT NOT NULL,
  status TEXT NOT NULL,
  source TEXT NOT NULL,
  received_at TEXT NOT NULL,
  data TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX authsync_events_waiting ON authsync_events (lane, id) WHERE status IN ('pending', 'dead');
CREATE TABLE authsync_cursor (
  name TEXT PRIMARY KEY,
  after_id TEXT,
  range_start TEXT,
  last_event_at TEXT,
  updated_at TEXT NOT NULL
);
CREATE TABLE authsync_tombstones (
  table_name TEXT NOT NULL,
  key TEXT NOT NULL,
  deleted_at TEXT NOT NULL,
  PRIMARY KEY (table_name, key)
) WITHOUT ROWID;
CREATE TABLE authsync_dead_letters (
  event_id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  lane TEXT NOT NULL,
  error TEXT NOT NULL,
  failed_at TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE authsync_outbox (
  event_id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  done INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX authsync_outbox_due ON authsync_outbox (done, next_attempt_at);
CREATE TABLE authsync_state (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);`,
};
