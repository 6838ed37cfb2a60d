import { TABLES } from '../../engine/tables.js';

/** Column types beyond TEXT (SQLite is loosely typed; these document intent and help PostgreSQL later). */
const INTEGER_COLUMNS = new Set([
  'email_verified',
  'allow_profiles_outside_organization',
  'directory_managed',
]);

function tableDdl(name: string): string {
  const t = TABLES[name]!;
  const cols = t.columns.map((c) => {
    const type = INTEGER_COLUMNS.has(c) ? 'INTEGER' : 'TEXT';
    const notNull =
      t.key.includes(c) || c === 'updated_at' || c === 'created_at' ? ' NOT NULL' : '';
    return `  ${c} ${type}${notNull}`;
  });
  return `CREATE TABLE ${name} (\n${cols.join(',\n')},\n  PRIMARY KEY (${t.key.join(', ')})\n) WITHOUT ROWID;`;
}

/**
 * Numbered migrations, applied in order, each once (recorded in authsync_migrations).
 * Never edit a shipped migration: add the next number.
 */
export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'tables',
    sql: [
      ...Object.keys(TABLES).map(tableDdl),
      'CREATE INDEX workos_organization_domains_org ON workos_organization_domains (organization_id);',
      'CREATE INDEX workos_organization_memberships_org ON workos_organization_memberships (organization_id);',
      'CREATE INDEX workos_organization_memberships_user ON workos_organization_memberships (user_id);',
      'CREATE INDEX workos_invitations_org ON workos_invitations (organization_id);',
      'CREATE INDEX workos_roles_org ON workos_roles (organization_id);',
      'CREATE INDEX workos_connections_org ON workos_connections (organization_id);',
      'CREATE INDEX workos_directories_org ON workos_directories (organization_id);',
      'CREATE INDEX workos_directory_users_dir ON workos_directory_users (directory_id);',
      'CREATE INDEX workos_directory_users_org ON workos_directory_users (organization_id);',
      'CREATE INDEX workos_directory_groups_dir ON workos_directory_groups (directory_id);',
      'CREATE INDEX workos_directory_groups_org ON workos_directory_groups (organization_id);',
      'CREATE INDEX workos_directory_group_members_user ON workos_directory_group_members (directory_user_id);',
      'CREATE INDEX workos_directory_group_members_dir ON workos_directory_group_members (directory_id);',
      'CREATE INDEX workos_directory_group_members_org ON workos_directory_group_members (organization_id);',
      'CREATE INDEX workos_activity_user ON workos_activity (user_id, occurred_at);',
      // Keyed by event id (one B-tree, no rowid): ids are ULIDs, so id order is stream order.
      `CREATE TABLE authsync_events (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  lane TEXT NOT NULL,
  created_at TEXT NOT NULL,
  status TEXT NOT NULL,
  source TEXT NOT NULL,
  received_at TEXT NOT NULL,
  data TEXT NOT NULL
) WITHOUT ROWID;`,
      // Only waiting and dead events are looked up by lane: a partial index skips the applied ones.
      "CREATE INDEX authsync_events_waiting ON authsync_events (lane, id) WHERE status IN ('pending', 'dead');",
      `CREATE TABLE authsync_cursor (
  name TEXT PRIMARY KEY,
  after_id TEXT,
  range_start TEXT,
  last_event_at TEXT,
  updated_at TEXT NOT NULL
);`,
      `CREATE TABLE authsync_tombstones (
  table_name TEXT NOT NULL,
  key TEXT NOT NULL,
  deleted_at TEXT NOT NULL,
  PRIMARY KEY (table_name, key)
) WITHOUT ROWID;`,
      `CREATE TABLE authsync_dead_letters (
  event_id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  lane TEXT NOT NULL,
  error TEXT NOT NULL,
  failed_at TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 1
);`,
      `CREATE TABLE authsync_outbox (
  event_id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  done INTEGER NOT NULL DEFAULT 0
);`,
      'CREATE INDEX authsync_outbox_due ON authsync_outbox (done, next_attempt_at);',
      `CREATE TABLE authsync_state (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);`,
    ].join('\n'),
  },
  {
    version: 2,
    name: 'webhook inbox',
    sql: [
      // When a webhook delivered the event (null: never), and whether the Events API has shown it.
      'ALTER TABLE authsync_events ADD COLUMN webhook_at TEXT;',
      'ALTER TABLE authsync_events ADD COLUMN api_seen INTEGER NOT NULL DEFAULT 1;',
      // Held events (delivered by webhook, not yet shown by the API) are swept by age.
      "CREATE INDEX authsync_events_held ON authsync_events (received_at) WHERE status = 'held';",
    ].join('\n'),
  },
  {
    version: 3,
    name: 'reconcile keys',
    sql: 'CREATE TABLE authsync_reconcile_seen (table_name TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (table_name, key)) WITHOUT ROWID;',
  },
];
