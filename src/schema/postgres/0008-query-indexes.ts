// PostgreSQL migration 8. Frozen once shipped: never edit; a change is a new migration.
// As SQLite's migration 11: indexes for what applications look rows up by, and the outbox's
// index for effects gone.
export const m0008 = {
  version: 8,
  name: 'query-indexes',
  sql: `DROP INDEX IF EXISTS authsync_outbox_due;
CREATE INDEX workos_users_email ON workos_users (email);
CREATE INDEX workos_users_external_id ON workos_users (external_id);
CREATE INDEX workos_organizations_external_id ON workos_organizations (external_id);
CREATE INDEX workos_organization_domains_domain ON workos_organization_domains (domain);
CREATE INDEX workos_directory_users_email ON workos_directory_users (email);
`,
};
