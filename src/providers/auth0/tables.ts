import { entityTable, type IndexSpec, type TableSet } from '../../engine/tables.js';

const index = (table: string, suffix: string, columns: string[]): IndexSpec => ({
  name: `${table}_${suffix}`,
  columns,
});

/**
 * Auth0's tables (documented in the README): columns as the Management API spells them, typed
 * for the documented fields, the object itself in `raw`. Organizations, memberships and roles
 * carry no timestamps on Auth0: their `created_at` and `updated_at` are the time of the change
 * that last wrote the row (the log's `date`) or of the reading that listed it.
 */
export const AUTH0_TABLES: TableSet = {
  cascadeColumns: ['organization_id', 'user_id', 'role_id', 'member'],
  tables: [
    entityTable(
      'auth0_users',
      {
        email: 'text',
        email_verified: 'boolean',
        username: 'text',
        phone_number: 'text',
        phone_verified: 'boolean',
        name: 'text',
        nickname: 'text',
        given_name: 'text',
        family_name: 'text',
        picture: 'text',
        blocked: 'boolean',
        identities: 'json',
        app_metadata: 'json',
        user_metadata: 'json',
        last_login: 'time',
        last_ip: 'text',
        logins_count: 'integer',
      },
      { key: ['user_id'], indexes: [index('auth0_users', 'email', ['email'])] },
    ),
    entityTable('auth0_organizations', {
      name: 'text',
      display_name: 'text',
      metadata: 'json',
      branding: 'json',
    }),
    entityTable(
      'auth0_organization_members',
      {},
      {
        key: ['organization_id', 'user_id'],
        indexes: [index('auth0_organization_members', 'user', ['user_id'])],
      },
    ),
    // `member` is the membership's key (`<organization_id>/<user_id>`): removing a member
    // removes its roles there, found by it.
    entityTable(
      'auth0_member_roles',
      { member: 'text' },
      {
        key: ['organization_id', 'user_id', 'role_id'],
        indexes: [
          index('auth0_member_roles', 'member', ['member']),
          index('auth0_member_roles', 'user', ['user_id']),
          index('auth0_member_roles', 'role', ['role_id']),
        ],
      },
    ),
    entityTable('auth0_roles', { name: 'text', description: 'text' }),
    {
      name: 'auth0_logs',
      key: ['log_id'],
      columns: [
        'log_id',
        'type',
        'date',
        'description',
        'client_id',
        'client_name',
        'ip',
        'hostname',
        'user_id',
        'user_name',
        'connection',
        'connection_id',
        'strategy',
        'strategy_type',
        'organization_id',
        'organization_name',
        'audience',
        'scope',
        'user_agent',
        'is_mobile',
        'location_info',
        'security_context',
        'details',
      ],
      types: {
        log_id: 'text',
        type: 'text',
        date: 'time',
        description: 'text',
        client_id: 'text',
        client_name: 'text',
        ip: 'text',
        hostname: 'text',
        user_id: 'text',
        user_name: 'text',
        connection: 'text',
        connection_id: 'text',
        strategy: 'text',
        strategy_type: 'text',
        organization_id: 'text',
        organization_name: 'text',
        audience: 'text',
        scope: 'text',
        user_agent: 'text',
        is_mobile: 'boolean',
        location_info: 'json',
        security_context: 'json',
        details: 'json',
      },
      required: ['log_id', 'type', 'date'],
      indexes: [
        index('auth0_logs', 'date', ['date']),
        index('auth0_logs', 'user', ['user_id', 'date']),
        index('auth0_logs', 'type', ['type', 'date']),
      ],
      log: true,
    },
  ],
};
