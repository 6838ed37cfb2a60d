// PostgreSQL migration 5, as shipped. Frozen: never edit; a change is a new migration.
// Auth0's tables, as SQLite's migration 8 with PostgreSQL's types.
export const m0005 = {
  version: 5,
  name: 'auth0 tables',
  sql: `CREATE TABLE auth0_users (
  user_id text NOT NULL,
  email text,
  email_verified boolean,
  username text,
  phone_number text,
  phone_verified boolean,
  name text,
  nickname text,
  given_name text,
  family_name text,
  picture text,
  blocked boolean,
  identities jsonb,
  app_metadata jsonb,
  user_metadata jsonb,
  last_login timestamptz,
  last_ip text,
  logins_count bigint,
  raw jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  last_event_id text,
  PRIMARY KEY (user_id)
);
CREATE TABLE auth0_organizations (
  id text NOT NULL,
  name text,
  display_name text,
  metadata jsonb,
  branding jsonb,
  raw jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  last_event_id text,
  PRIMARY KEY (id)
);
CREATE TABLE auth0_organization_members (
  organization_id text NOT NULL,
  user_id text NOT NULL,
  raw jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  last_event_id text,
  PRIMARY KEY (organization_id, user_id)
);
CREATE TABLE auth0_member_roles (
  organization_id text NOT NULL,
  user_id text NOT NULL,
  role_id text NOT NULL,
  member text,
  raw jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  last_event_id text,
  PRIMARY KEY (organization_id, user_id, role_id)
);
CREATE TABLE auth0_roles (
  id text NOT NULL,
  name text,
  description text,
  raw jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  last_event_id text,
  PRIMARY KEY (id)
);
CREATE TABLE auth0_logs (
  log_id text NOT NULL,
  type text NOT NULL,
  date timestamptz NOT NULL,
  description text,
  client_id text,
  client_name text,
  ip text,
  hostname text,
  user_id text,
  user_name text,
  connection text,
  connection_id text,
  strategy text,
  strategy_type text,
  organization_id text,
  organization_name text,
  audience text,
  scope text,
  user_agent text,
  is_mobile boolean,
  location_info jsonb,
  security_context jsonb,
  details jsonb,
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
