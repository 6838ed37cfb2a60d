// SQLite (and D1) migration 8, as shipped. Frozen: never edit; a change is a new migration.
// Auth0's tables (providers/auth0/tables.ts): users, organizations, organization members,
// members' roles, roles (each with raw, created_at, updated_at, last_event_id) and the tenant's
// log, append-only, one row per log_id.
export const m0008 = {
  version: 8,
  name: 'auth0 tables',
  sql: `CREATE TABLE auth0_users (
  user_id TEXT NOT NULL,
  email TEXT,
  email_verified INTEGER,
  username TEXT,
  phone_number TEXT,
  phone_verified INTEGER,
  name TEXT,
  nickname TEXT,
  given_name TEXT,
  family_name TEXT,
  picture TEXT,
  blocked INTEGER,
  identities TEXT,
  app_metadata TEXT,
  user_metadata TEXT,
  last_login TEXT,
  last_ip TEXT,
  logins_count INTEGER,
  raw TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_event_id TEXT,
  PRIMARY KEY (user_id)
);
CREATE TABLE auth0_organizations (
  id TEXT NOT NULL,
  name TEXT,
  display_name TEXT,
  metadata TEXT,
  branding TEXT,
  raw TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_event_id TEXT,
  PRIMARY KEY (id)
);
CREATE TABLE auth0_organization_members (
  organization_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  raw TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_event_id TEXT,
  PRIMARY KEY (organization_id, user_id)
);
CREATE TABLE auth0_member_roles (
  organization_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  role_id TEXT NOT NULL,
  member TEXT,
  raw TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_event_id TEXT,
  PRIMARY KEY (organization_id, user_id, role_id)
);
CREATE TABLE auth0_roles (
  id TEXT NOT NULL,
  name TEXT,
  description TEXT,
  raw TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_event_id TEXT,
  PRIMARY KEY (id)
);
CREATE TABLE auth0_logs (
  log_id TEXT NOT NULL,
  type TEXT NOT NULL,
  date TEXT NOT NULL,
  description TEXT,
  client_id TEXT,
  client_name TEXT,
  ip TEXT,
  hostname TEXT,
  user_id TEXT,
  user_name TEXT,
  connection TEXT,
  connection_id TEXT,
  strategy TEXT,
  strategy_type TEXT,
  organization_id TEXT,
  organization_name TEXT,
  audience TEXT,
  scope TEXT,
  user_agent TEXT,
  is_mobile INTEGER,
  location_info TEXT,
  security_context TEXT,
  details TEXT,
  PRIMARY KEY (log_id)
);
CREATE INDEX auth0_users_email ON auth0_users (email);
CREATE INDEX auth0_organization_members_user ON auth0_organization_members (user_id);
CREATE INDEX auth0_member_roles_member ON auth0_member_roles (member);
CREATE INDEX auth0_member_roles_user ON auth0_member_roles (user_id);
CREATE INDEX auth0_member_roles_role ON auth0_member_roles (role_id);
CREATE INDEX auth0_logs_date ON auth0_logs (date);
CREATE INDEX auth0_logs_user ON auth0_logs (user_id, date);
CREATE INDEX auth0_logs_type ON auth0_logs (type, date);`,
};
