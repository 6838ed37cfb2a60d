import { entityTable, type IndexSpec, type TableSet } from '../../engine/tables.js';

/** Indexes named `<table>_<suffix>`. */
const indexes = (table: string, list: Record<string, string[]>): IndexSpec[] =>
  Object.entries(list).map(([suffix, columns]) => ({ name: `${table}_${suffix}`, columns }));

const byOrg = (table: string, more: Record<string, string[]> = {}) =>
  indexes(table, { ...more, org: ['organization_id'] });

/**
 * WorkOS's tables (documented in the README): snake_case names and columns as the API spells
 * them, typed columns for the documented fields, the object itself in `raw`.
 */
export const WORKOS_TABLES: TableSet = {
  cascadeColumns: [
    'organization_id',
    'user_id',
    'directory_id',
    'directory_user_id',
    'directory_group_id',
  ],
  tables: [
    entityTable(
      'workos_users',
      {
        email: 'text',
        email_verified: 'boolean',
        first_name: 'text',
        last_name: 'text',
        profile_picture_url: 'text',
        external_id: 'text',
        metadata: 'json',
        last_sign_in_at: 'time',
        locale: 'text',
      },
      { indexes: indexes('workos_users', { email: ['email'], external_id: ['external_id'] }) },
    ),
    entityTable(
      'workos_organizations',
      {
        name: 'text',
        external_id: 'text',
        stripe_customer_id: 'text',
        allow_profiles_outside_organization: 'boolean',
        metadata: 'json',
        domains: 'json',
      },
      { indexes: indexes('workos_organizations', { external_id: ['external_id'] }) },
    ),
    entityTable(
      'workos_organization_domains',
      {
        organization_id: 'text',
        domain: 'text',
        state: 'text',
        verification_strategy: 'text',
        verification_token: 'text',
        verification_prefix: 'text',
      },
      { indexes: byOrg('workos_organization_domains', { domain: ['domain'] }) },
    ),
    entityTable(
      'workos_organization_memberships',
      {
        user_id: 'text',
        organization_id: 'text',
        status: 'text',
        role_slug: 'text',
        role_slugs: 'json',
        custom_attributes: 'json',
        directory_managed: 'boolean',
      },
      { indexes: byOrg('workos_organization_memberships', { user: ['user_id'] }) },
    ),
    entityTable(
      'workos_invitations',
      {
        email: 'text',
        state: 'text',
        organization_id: 'text',
        inviter_user_id: 'text',
        accepted_user_id: 'text',
        role_slug: 'text',
        expires_at: 'time',
        accepted_at: 'time',
        revoked_at: 'time',
      },
      { indexes: byOrg('workos_invitations') },
    ),
    entityTable(
      'workos_roles',
      {
        slug: 'text',
        organization_id: 'text',
        type: 'text',
        name: 'text',
        description: 'text',
        permissions: 'json',
        resource_type_slug: 'text',
      },
      { key: ['key'], indexes: byOrg('workos_roles') },
    ),
    entityTable(
      'workos_connections',
      {
        organization_id: 'text',
        connection_type: 'text',
        name: 'text',
        state: 'text',
        status: 'text',
        domains: 'json',
      },
      { indexes: byOrg('workos_connections') },
    ),
    entityTable(
      'workos_directories',
      { organization_id: 'text', type: 'text', state: 'text', name: 'text', domain: 'text' },
      { indexes: byOrg('workos_directories') },
    ),
    entityTable(
      'workos_directory_users',
      {
        directory_id: 'text',
        organization_id: 'text',
        idp_id: 'text',
        email: 'text',
        first_name: 'text',
        last_name: 'text',
        username: 'text',
        job_title: 'text',
        state: 'text',
        role_slug: 'text',
        custom_attributes: 'json',
      },
      { indexes: byOrg('workos_directory_users', { dir: ['directory_id'], email: ['email'] }) },
    ),
    entityTable(
      'workos_directory_groups',
      { directory_id: 'text', organization_id: 'text', idp_id: 'text', name: 'text' },
      { indexes: byOrg('workos_directory_groups', { dir: ['directory_id'] }) },
    ),
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
      types: {
        directory_group_id: 'text',
        directory_user_id: 'text',
        directory_id: 'text',
        organization_id: 'text',
        created_at: 'time',
        updated_at: 'time',
        last_event_id: 'text',
      },
      required: ['directory_group_id', 'directory_user_id', 'created_at', 'updated_at'],
      indexes: indexes('workos_directory_group_members', {
        user: ['directory_user_id'],
        dir: ['directory_id'],
        org: ['organization_id'],
      }),
    },
    {
      name: 'workos_activity',
      key: ['id'],
      columns: ['id', 'event', 'user_id', 'organization_id', 'occurred_at', 'data'],
      types: {
        id: 'text',
        event: 'text',
        user_id: 'text',
        organization_id: 'text',
        occurred_at: 'time',
        data: 'json',
      },
      required: ['id'],
      indexes: [{ name: 'workos_activity_user', columns: ['user_id', 'occurred_at'] }],
      log: true,
    },
  ],
};
