import { json, type Row, type RowChange } from '../../../engine/changes.js';
import type { EngineEvent } from '../../../engine/event.js';
import { obj, optStr, str, type Obj } from './fields.js';
import {
  connectionRow,
  directoryGroupRow,
  directoryRow,
  directoryUserRow,
  domainRow,
  groupMemberRow,
  invitationRow,
  membershipRow,
  organizationRow,
  roleKey,
  roleRow,
  userRow,
} from './rows.js';

type Projection = (data: Obj, event: EngineEvent) => RowChange[];

const upsert = (
  table: string,
  row: Row,
  parents?: { table: string; key: string }[],
): RowChange => ({
  op: 'upsert',
  table,
  row,
  updatedAt: String(row.updated_at),
  ...(parents ? { parents } : {}),
});
const del = (table: string, key: string, event: EngineEvent): RowChange => ({
  op: 'delete',
  table,
  key,
  at: event.occurredAt,
  eventId: event.id,
  object: event.data,
});
const cascade = (table: string, column: string, value: string, event: EngineEvent): RowChange => ({
  op: 'deleteWhere',
  table,
  column,
  value,
  at: event.occurredAt,
  eventId: event.id,
});
const org = (id: string | null) => (id ? [{ table: 'workos_organizations', key: id }] : []);

/** A domain's name added to (while the domain row exists) or removed from its organization's `domains`. */
function domainsEdit(edit: 'add' | 'remove', d: Obj): RowChange {
  return {
    op: 'listEdit',
    edit,
    table: 'workos_organizations',
    key: str(d, 'organization_id'),
    column: 'domains',
    value: str(d, 'domain'),
    ...(edit === 'add'
      ? { whileRow: { table: 'workos_organization_domains', key: str(d, 'id') } }
      : {}),
  };
}

/** Deleting an organization removes what hangs off it, whether or not WorkOS sends an event for each. */
function organizationDeleted(d: Obj, e: EngineEvent): RowChange[] {
  const id = str(d, 'id');
  return [
    ...[
      'workos_organization_memberships',
      'workos_organization_domains',
      'workos_connections',
      'workos_roles',
      'workos_invitations',
    ].map((t) => cascade(t, 'organization_id', id, e)),
    ...directoryCascade('organization_id', id, e),
    cascade('workos_directories', 'organization_id', id, e),
    del('workos_organizations', id, e),
  ];
}

function directoryCascade(
  column: 'directory_id' | 'organization_id',
  value: string,
  e: EngineEvent,
): RowChange[] {
  return [
    'workos_directory_group_members',
    'workos_directory_users',
    'workos_directory_groups',
  ].map((t) => cascade(t, column, value, e));
}

function roleChange(
  d: Obj,
  e: EngineEvent,
  organizationId: string | null,
  deleted: boolean,
): RowChange[] {
  const key = roleKey(str(d, 'slug'), organizationId);
  if (deleted) return [del('workos_roles', key, e)];
  return [
    {
      ...upsert('workos_roles', roleRow(d, organizationId), org(organizationId)),
      keepIfNull: ['name', 'description'],
    } as RowChange,
  ];
}

function groupMembership(d: Obj, e: EngineEvent, added: boolean): RowChange[] {
  const group = obj(d, 'group');
  const user = obj(d, 'user');
  const key = `${str(group, 'id')}/${str(user, 'id')}`;
  if (!added) return [del('workos_directory_group_members', key, e)];
  // Memberships have no updated_at of their own: the event time orders them.
  return [
    upsert('workos_directory_group_members', groupMemberRow(group, user, e.occurredAt), [
      { table: 'workos_directory_groups', key: str(group, 'id') },
      { table: 'workos_directory_users', key: str(user, 'id') },
      { table: 'workos_directories', key: str(group, 'directory_id') },
    ]),
  ];
}

/** Activity: things that happened, appended once per event. */
const activity: Projection = (d, e) => [
  {
    op: 'append',
    table: 'workos_activity',
    row: {
      id: e.id,
      event: e.type,
      user_id: optStr(d, 'user_id'),
      organization_id: optStr(d, 'organization_id'),
      occurred_at: e.occurredAt,
      data: json(d),
    },
  },
];

const PROJECTIONS: Record<string, Projection> = {
  'user.created': (d) => [upsert('workos_users', userRow(d))],
  'user.updated': (d) => [upsert('workos_users', userRow(d))],
  'user.deleted': (d, e) => [
    cascade('workos_organization_memberships', 'user_id', str(d, 'id'), e),
    del('workos_users', str(d, 'id'), e),
  ],

  'organization.created': (d) => [upsert('workos_organizations', organizationRow(d))],
  'organization.updated': (d) => [upsert('workos_organizations', organizationRow(d))],
  'organization.deleted': organizationDeleted,

  'organization_domain.created': (d) => [
    upsert('workos_organization_domains', domainRow(d), org(str(d, 'organization_id'))),
    // The organization's `domains` too: a domain added may emit no organization event.
    domainsEdit('add', d),
  ],
  'organization_domain.updated': (d) => [
    upsert('workos_organization_domains', domainRow(d), org(str(d, 'organization_id'))),
  ],
  'organization_domain.verified': (d) => [
    upsert('workos_organization_domains', domainRow(d), org(str(d, 'organization_id'))),
  ],
  'organization_domain.verification_failed': (d) => {
    const domain = obj(d, 'organization_domain');
    return [
      upsert('workos_organization_domains', domainRow(domain), org(str(domain, 'organization_id'))),
    ];
  },
  'organization_domain.deleted': (d, e) => [
    del('workos_organization_domains', str(d, 'id'), e),
    // (A deletion that does not name the domain leaves the list to the organization's events.)
    ...(optStr(d, 'domain') && optStr(d, 'organization_id') ? [domainsEdit('remove', d)] : []),
  ],

  'organization_membership.created': (d) => membership(d),
  'organization_membership.updated': (d) => membership(d),
  'organization_membership.deleted': (d, e) => [
    del('workos_organization_memberships', str(d, 'id'), e),
  ],

  'invitation.created': (d) => invitation(d),
  'invitation.accepted': (d) => invitation(d),
  'invitation.revoked': (d) => invitation(d),
  'invitation.resent': (d) => invitation(d),

  'role.created': (d, e) => roleChange(d, e, null, false),
  'role.updated': (d, e) => roleChange(d, e, null, false),
  'role.deleted': (d, e) => roleChange(d, e, null, true),
  'organization_role.created': (d, e) => roleChange(d, e, str(d, 'organization_id'), false),
  'organization_role.updated': (d, e) => roleChange(d, e, str(d, 'organization_id'), false),
  'organization_role.deleted': (d, e) => roleChange(d, e, str(d, 'organization_id'), true),

  'connection.activated': (d) => [
    upsert('workos_connections', connectionRow(d), org(optStr(d, 'organization_id'))),
  ],
  'connection.deactivated': (d) => [
    upsert('workos_connections', connectionRow(d), org(optStr(d, 'organization_id'))),
  ],
  'connection.deleted': (d, e) => [del('workos_connections', str(d, 'id'), e)],

  'dsync.activated': (d) => [
    upsert('workos_directories', directoryRow(d), org(optStr(d, 'organization_id'))),
  ],
  'dsync.deactivated': (d) => [
    upsert('workos_directories', directoryRow(d), org(optStr(d, 'organization_id'))),
  ],
  'dsync.deleted': (d, e) => [
    ...directoryCascade('directory_id', str(d, 'id'), e),
    del('workos_directories', str(d, 'id'), e),
  ],
  'dsync.user.created': (d) => directoryUser(d),
  'dsync.user.updated': (d) => directoryUser(d),
  'dsync.user.deleted': (d, e) => [
    cascade('workos_directory_group_members', 'directory_user_id', str(d, 'id'), e),
    del('workos_directory_users', str(d, 'id'), e),
  ],
  'dsync.group.created': (d) => directoryGroup(d),
  'dsync.group.updated': (d) => directoryGroup(d),
  'dsync.group.deleted': (d, e) => [
    cascade('workos_directory_group_members', 'directory_group_id', str(d, 'id'), e),
    del('workos_directory_groups', str(d, 'id'), e),
  ],
  'dsync.group.user_added': (d, e) => groupMembership(d, e, true),
  'dsync.group.user_removed': (d, e) => groupMembership(d, e, false),
};

function invitation(d: Obj): RowChange[] {
  const row = invitationRow(d);
  return [upsert('workos_invitations', row, org(row.organization_id as string | null))];
}

function membership(d: Obj): RowChange[] {
  const row = membershipRow(d);
  return [
    upsert('workos_organization_memberships', row, [
      { table: 'workos_users', key: String(row.user_id) },
      { table: 'workos_organizations', key: String(row.organization_id) },
    ]),
  ];
}

function directoryUser(d: Obj): RowChange[] {
  const row = directoryUserRow(d);
  return [
    upsert('workos_directory_users', row, [
      { table: 'workos_directories', key: String(row.directory_id) },
    ]),
  ];
}

function directoryGroup(d: Obj): RowChange[] {
  const row = directoryGroupRow(d);
  return [
    upsert('workos_directory_groups', row, [
      { table: 'workos_directories', key: String(row.directory_id) },
    ]),
  ];
}

/** Activity event families: recorded in `workos_activity`, no entity to keep current. */
const ACTIVITY_PREFIXES = [
  'session.',
  'authentication.',
  'email_verification.',
  'magic_auth.',
  'password_reset.',
];

/**
 * The row changes one event makes. Pure: the same event always gives the same changes, so
 * events replay freely. Throws InvalidEventError for a payload it cannot apply (poison).
 * Event types authsync does not keep give no changes.
 */
export function project(event: EngineEvent): RowChange[] {
  const projection = PROJECTIONS[event.type];
  if (projection) {
    const changes = projection(event.data, event);
    for (const c of changes) if (c.op === 'upsert') c.row.last_event_id = event.id;
    return changes;
  }
  if (ACTIVITY_PREFIXES.some((p) => event.type.startsWith(p))) {
    const changes = activity(event.data, event);
    if (isSignIn(event.type)) {
      // A sign-in stamps the user's last_sign_in_at with no user event of its own (WorkOS
      // does so too): moved forward here, never back, never for a deleted user.
      const user = optStr(event.data, 'user_id');
      if (user)
        changes.push({
          op: 'stamp',
          table: 'workos_users',
          key: user,
          column: 'last_sign_in_at',
          at: event.occurredAt,
        });
    }
    return changes;
  }
  return [];
}

/** Events that mean a user signed in: a session began, or an authentication succeeded. */
function isSignIn(type: string): boolean {
  return (
    type === 'session.created' ||
    (type.startsWith('authentication.') && type.endsWith('_succeeded'))
  );
}
