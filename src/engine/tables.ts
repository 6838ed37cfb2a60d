/**
 * The tables authsync keeps: an interface of the product (documented in the README), the
 * same on every store. `key` lists the primary-key columns; `columns` all columns in order.
 * Every entity table also has `raw` (the object as JSON), `created_at`, `updated_at` and
 * `last_event_id` (the event that last wrote the row; null when it came from the first import).
 */
export interface TableSpec {
  name: string;
  key: string[];
  columns: string[];
}

const entity = (name: string, columns: string[], key = ['id']): TableSpec => ({
  name,
  key,
  columns: [
    ...key,
    ...columns.filter((c) => !key.includes(c)),
    'raw',
    'created_at',
    'updated_at',
    'last_event_id',
  ],
});

export const TABLES: Record<string, TableSpec> = Object.fromEntries(
  [
    entity('workos_users', [
      'email',
      'email_verified',
      'first_name',
      'last_name',
      'profile_picture_url',
      'external_id',
      'metadata',
      'last_sign_in_at',
      'locale',
    ]),
    entity('workos_organizations', [
      'name',
      'external_id',
      'stripe_customer_id',
      'allow_profiles_outside_organization',
      'metadata',
      'domains',
    ]),
    entity('workos_organization_domains', [
      'organization_id',
      'domain',
      'state',
      'verification_strategy',
      'verification_token',
      'verification_prefix',
    ]),
    entity('workos_organization_memberships', [
      'user_id',
      'organization_id',
      'status',
      'role_slug',
      'role_slugs',
      'custom_attributes',
      'directory_managed',
    ]),
    entity('workos_invitations', [
      'email',
      'state',
      'organization_id',
      'inviter_user_id',
      'accepted_user_id',
      'role_slug',
      'expires_at',
      'accepted_at',
      'revoked_at',
    ]),
    entity(
      'workos_roles',
      [
        'slug',
        'organization_id',
        'type',
        'name',
        'description',
        'permissions',
        'resource_type_slug',
      ],
      ['key'],
    ),
    entity('workos_connections', [
      'organization_id',
      'connection_type',
      'name',
      'state',
      'status',
      'domains',
    ]),
    entity('workos_directories', ['organization_id', 'type', 'state', 'name', 'domain']),
    entity('workos_directory_users', [
      'directory_id',
      'organization_id',
      'idp_id',
      'email',
      'first_name',
      'last_name',
      'username',
      'job_title',
      'state',
      'role_slug',
      'custom_attributes',
    ]),
    entity('workos_directory_groups', ['directory_id', 'organization_id', 'idp_id', 'name']),
    {
      name: 'workos_directory_group_members',
      key: ['directory_group_id', 'directory_user_id'],
      columns: [
        'directory_group_id',
        'directory_user_id',
        'directory_id',
        'organization_id',
        'created_at',
        'updated_at',
        'last_event_id',
      ],
    },
    {
      name: 'workos_activity',
      key: ['id'],
      columns: ['id', 'event', 'user_id', 'organization_id', 'occurred_at', 'data'],
    },
  ].map((t) => [t.name, t]),
);

/** The key of a row as one string (tombstones and parents use it): key columns joined by `/`. */
export function rowKey(table: TableSpec, row: Record<string, unknown>): string {
  if (table.key.length === 1) return String(row[table.key[0]!] ?? '');
  return table.key.map((k) => String(row[k] ?? '')).join('/');
}

export function tableSpec(name: string): TableSpec {
  const spec = TABLES[name];
  if (!spec) throw new Error(`unknown table ${name}`);
  return spec;
}

export type ColumnType = 'text' | 'bool' | 'json' | 'time';

const BOOL_COLUMNS = new Set([
  'email_verified',
  'allow_profiles_outside_organization',
  'directory_managed',
]);
const JSON_COLUMNS = new Set([
  'metadata',
  'domains',
  'role_slugs',
  'custom_attributes',
  'permissions',
  'raw',
  'data',
]);
const TIME_COLUMNS = new Set([
  'created_at',
  'updated_at',
  'last_sign_in_at',
  'expires_at',
  'accepted_at',
  'revoked_at',
  'occurred_at',
]);

/**
 * What a column holds, for stores with richer types than SQLite (PostgreSQL: boolean, jsonb,
 * timestamptz). Rows carry booleans as 0/1, JSON as text and times as ISO-8601 UTC strings.
 */
export function columnType(column: string): ColumnType {
  if (BOOL_COLUMNS.has(column)) return 'bool';
  if (JSON_COLUMNS.has(column)) return 'json';
  if (TIME_COLUMNS.has(column)) return 'time';
  return 'text';
}
