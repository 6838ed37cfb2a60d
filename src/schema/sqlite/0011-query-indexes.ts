// SQLite (and D1) migration 11. Frozen once shipped: never edit; a change is a new migration.
// Indexes for what applications look rows up by (a user by email or by their own id, an
// organization by its external id or a domain, a directory user by email), and the outbox's
// index for effects gone (handlers are destinations now; nothing reads outbox rows by it).
export const m0011 = {
  version: 11,
  name: 'query-indexes',
  sql: `DROP INDEX IF EXISTS authsync_outbox_due;
CREATE INDEX workos_users_email ON workos_users (email);
CREATE INDEX workos_users_external_id ON workos_users (external_id);
CREATE INDEX workos_organizations_external_id ON workos_organizations (external_id);
CREATE INDEX workos_organization_domains_domain ON workos_organization_domains (domain);
CREATE INDEX workos_directory_users_email ON workos_directory_users (email);
`,
};
