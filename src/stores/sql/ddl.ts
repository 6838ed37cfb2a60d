import { columnType, TABLES, type ColumnType } from '../../engine/tables.js';

/** How PostgreSQL stores each kind of column (SQLite keeps text, and integers for booleans). */
export const PG_TYPES: Record<ColumnType, string> = {
  text: 'text',
  bool: 'boolean',
  json: 'jsonb',
  time: 'timestamptz',
};

/**
 * `CREATE TABLE` for one of `TABLES`, with the column types a database gives each kind
 * (`createAs`: under another name, for a table being rebuilt).
 */
export function tableDdl(
  name: string,
  typeOf: (type: ColumnType) => string,
  options: { withoutRowid?: boolean; createAs?: string } = {},
): string {
  const t = TABLES[name]!;
  const cols = t.columns.map((c) => {
    const notNull =
      t.key.includes(c) || c === 'updated_at' || c === 'created_at' ? ' NOT NULL' : '';
    return `  ${c} ${typeOf(columnType(c))}${notNull}`;
  });
  return `CREATE TABLE ${options.createAs ?? name} (\n${cols.join(',\n')},\n  PRIMARY KEY (${t.key.join(', ')})\n)${options.withoutRowid ? ' WITHOUT ROWID' : ''};`;
}

/** The indexes of the product tables: the same on every SQL database. */
export const PRODUCT_INDEXES = [
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
];
