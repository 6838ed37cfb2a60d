import { bool, json, type Row, type RowChange } from '../../engine/changes.js';
import { InvalidEventError, normalizeTimestamp, type EngineEvent } from '../../engine/event.js';
import type { SnapshotItem } from '../../engine/ports.js';
import { storableJson } from '../../engine/storable-text.js';
import { apiCallOf, isCloudEvent, objectOf, type ApiCall, type Obj } from './envelope.js';

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(o: Obj, field: string): string {
  const v = o[field];
  if (typeof v !== 'string' || v === '')
    throw new InvalidEventError(`${field} is missing or not a string`);
  return v;
}

function optStr(o: Obj, field: string): string | null {
  const v = o[field];
  return typeof v === 'string' ? v : null;
}

function optTime(o: Obj, field: string): string | null {
  const v = o[field];
  return v === undefined || v === null || v === '' ? null : normalizeTimestamp(v, field);
}

function ids(body: unknown, field: string): string[] {
  const list = isObj(body) ? body[field] : undefined;
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string' && x !== ''))
    throw new InvalidEventError(`request body ${field} is not a list of ids`);
  return list as string[];
}

/** A user as the API returns it, as a row; `at` dates it when it has no `updated_at`. */
export function userRow(u: Obj, at: string): Row {
  const updated = optTime(u, 'updated_at') ?? at;
  return {
    user_id: str(u, 'user_id'),
    email: optStr(u, 'email'),
    email_verified: bool(u.email_verified),
    username: optStr(u, 'username'),
    phone_number: optStr(u, 'phone_number'),
    phone_verified: bool(u.phone_verified),
    name: optStr(u, 'name'),
    nickname: optStr(u, 'nickname'),
    given_name: optStr(u, 'given_name'),
    family_name: optStr(u, 'family_name'),
    picture: optStr(u, 'picture'),
    blocked: bool(u.blocked),
    identities: json(u.identities),
    app_metadata: json(u.app_metadata),
    user_metadata: json(u.user_metadata),
    last_login: optTime(u, 'last_login'),
    last_ip: optStr(u, 'last_ip'),
    logins_count: typeof u.logins_count === 'number' ? u.logins_count : null,
    raw: storableJson(u),
    created_at: optTime(u, 'created_at') ?? updated,
    updated_at: updated,
  };
}

/** Organizations have no timestamps: `at` is the change's or the reading's time. */
export function organizationRow(o: Obj, at: string): Row {
  return {
    id: str(o, 'id'),
    name: optStr(o, 'name'),
    display_name: optStr(o, 'display_name'),
    metadata: json(o.metadata),
    branding: json(o.branding),
    raw: storableJson(o),
    created_at: at,
    updated_at: at,
  };
}

export function roleRow(r: Obj, at: string): Row {
  return {
    id: str(r, 'id'),
    name: optStr(r, 'name'),
    description: optStr(r, 'description'),
    raw: storableJson(r),
    created_at: at,
    updated_at: at,
  };
}

const memberRow = (organizationId: string, userId: string, raw: Obj | null, at: string): Row => ({
  organization_id: organizationId,
  user_id: userId,
  raw: raw ? storableJson(raw) : null,
  created_at: at,
  updated_at: at,
});

const memberRoleRow = (
  organizationId: string,
  userId: string,
  roleId: string,
  at: string,
): Row => ({
  organization_id: organizationId,
  user_id: userId,
  role_id: roleId,
  member: `${organizationId}/${userId}`,
  raw: null,
  created_at: at,
  updated_at: at,
});

const upsert = (
  table: string,
  row: Row,
  parents?: { table: string; key: string }[],
  timeless?: boolean,
): RowChange => ({
  op: 'upsert',
  table,
  row,
  updatedAt: String(row.updated_at),
  ...(parents ? { parents } : {}),
  ...(timeless ? { timeless } : {}),
});

const memberParents = (organizationId: string, userId: string) => [
  { table: 'auth0_organizations', key: organizationId },
  { table: 'auth0_users', key: userId },
];

/** The changes of one log, as event `e` made them (`at`: its date; deletions carry its id). */
class Changes {
  constructor(private readonly e: EngineEvent) {}
  del(table: string, key: string): RowChange {
    return { op: 'delete', table, key, at: this.e.occurredAt, eventId: this.e.id };
  }
  cascade(table: string, column: string, value: string): RowChange {
    return { op: 'deleteWhere', table, column, value, at: this.e.occurredAt, eventId: this.e.id };
  }
  userDeleted(userId: string): RowChange[] {
    return [
      this.cascade('auth0_member_roles', 'user_id', userId),
      this.cascade('auth0_organization_members', 'user_id', userId),
      this.del('auth0_users', userId),
    ];
  }
  member(organizationId: string, userId: string): RowChange {
    return upsert(
      'auth0_organization_members',
      memberRow(organizationId, userId, null, this.e.occurredAt),
      memberParents(organizationId, userId),
    );
  }
}

/**
 * The row changes of a Management API write (`sapi`): the response carries the whole object
 * for creations and updates; deletions and membership changes are told by the path and body.
 * Writes to anything else (clients, connections, settings) change no table here.
 */
function apiChanges(call: ApiCall, e: EngineEvent): RowChange[] {
  const c = new Changes(e);
  const at = e.occurredAt;
  const [family, id, sub, userId, subsub] = call.segments;
  const response = isObj(call.response) ? call.response : {};
  const writes = call.method === 'POST' || call.method === 'PATCH' || call.method === 'PUT';
  if (call.status < 200 || call.status >= 300) return [];
  if (family === 'users' && sub === undefined) {
    if (call.method === 'DELETE' && id) return c.userDeleted(id);
    if (writes) return [upsert('auth0_users', userRow(response, at))];
  }
  if (family === 'roles' && sub === undefined) {
    if (call.method === 'DELETE' && id)
      return [c.cascade('auth0_member_roles', 'role_id', id), c.del('auth0_roles', id)];
    if (writes) return [upsert('auth0_roles', roleRow(response, at))];
  }
  if (family === 'organizations') {
    if (sub === undefined) {
      if (call.method === 'DELETE' && id)
        return [
          c.cascade('auth0_member_roles', 'organization_id', id),
          c.cascade('auth0_organization_members', 'organization_id', id),
          c.del('auth0_organizations', id),
        ];
      if (writes) return [upsert('auth0_organizations', organizationRow(response, at))];
    }
    if (id && sub === 'members' && userId === undefined) {
      const members = ids(call.body, 'members');
      if (call.method === 'POST') return members.map((u) => c.member(id, u));
      if (call.method === 'DELETE')
        return members.flatMap((u) => [
          c.cascade('auth0_member_roles', 'member', `${id}/${u}`),
          c.del('auth0_organization_members', `${id}/${u}`),
        ]);
    }
    if (id && sub === 'members' && userId && subsub === 'roles') {
      const roles = ids(call.body, 'roles');
      if (call.method === 'POST')
        return roles.map((r) =>
          upsert('auth0_member_roles', memberRoleRow(id, userId, r, at), [
            { table: 'auth0_organization_members', key: `${id}/${userId}` },
            { table: 'auth0_roles', key: r },
          ]),
        );
      if (call.method === 'DELETE')
        return roles.map((r) => c.del('auth0_member_roles', `${id}/${userId}/${r}`));
    }
  }
  return [];
}

/** The log itself, appended once. */
function logRow(log: Obj, e: EngineEvent): RowChange {
  return {
    op: 'append',
    table: 'auth0_logs',
    row: {
      log_id: e.id,
      type: e.type,
      date: e.occurredAt,
      description: optStr(log, 'description'),
      client_id: optStr(log, 'client_id'),
      client_name: optStr(log, 'client_name'),
      ip: optStr(log, 'ip'),
      hostname: optStr(log, 'hostname'),
      user_id: optStr(log, 'user_id'),
      user_name: optStr(log, 'user_name'),
      connection: optStr(log, 'connection'),
      connection_id: optStr(log, 'connection_id'),
      strategy: optStr(log, 'strategy'),
      strategy_type: optStr(log, 'strategy_type'),
      organization_id: optStr(log, 'organization_id'),
      organization_name: optStr(log, 'organization_name'),
      audience: optStr(log, 'audience'),
      scope: optStr(log, 'scope'),
      user_agent: optStr(log, 'user_agent'),
      // The live API says isMobile; the log schemas say is_mobile.
      is_mobile: bool(log.isMobile ?? log.is_mobile),
      location_info: json(log.location_info),
      security_context: json(log.security_context),
      details: json(log.details),
    },
  };
}

/**
 * An Event Streams CloudEvent's row changes (`data.object`): they arrive out of order and more
 * than once, so every write is guarded by time (users by their `updated_at`, the rest by the
 * event's `time`) and deletions leave tombstones.
 */
function cloudChanges(e: EngineEvent): RowChange[] {
  const object = objectOf(e.data);
  const c = new Changes(e);
  const at = e.occurredAt;
  const orgOf = () => str(isObj(object.organization) ? object.organization : {}, 'id');
  const userOf = () => str(isObj(object.user) ? object.user : {}, 'user_id');
  switch (e.type) {
    case 'user.created':
    case 'user.updated':
      return [upsert('auth0_users', userRow(object, at))];
    case 'user.deleted':
      return c.userDeleted(str(object, 'user_id'));
    case 'organization.created':
    case 'organization.updated':
      return [upsert('auth0_organizations', organizationRow(object, at))];
    case 'organization.deleted': {
      const id = str(object, 'id');
      return [
        c.cascade('auth0_member_roles', 'organization_id', id),
        c.cascade('auth0_organization_members', 'organization_id', id),
        c.del('auth0_organizations', id),
      ];
    }
    case 'organization.member.added':
      return [c.member(orgOf(), userOf())];
    case 'organization.member.deleted':
      return [
        c.cascade('auth0_member_roles', 'member', `${orgOf()}/${userOf()}`),
        c.del('auth0_organization_members', `${orgOf()}/${userOf()}`),
      ];
    case 'organization.member.role.assigned': {
      const role = str(isObj(object.role) ? object.role : {}, 'id');
      return [
        upsert('auth0_member_roles', memberRoleRow(orgOf(), userOf(), role, at), [
          { table: 'auth0_organization_members', key: `${orgOf()}/${userOf()}` },
          { table: 'auth0_roles', key: role },
        ]),
      ];
    }
    case 'organization.member.role.deleted': {
      const role = str(isObj(object.role) ? object.role : {}, 'id');
      return [c.del('auth0_member_roles', `${orgOf()}/${userOf()}/${role}`)];
    }
    default:
      // Types this table set does not hold (groups, connections): nothing to apply.
      return [];
  }
}

/**
 * A log's row changes: always the log row; a Management API write's state change; a member
 * added outside the API (`organization_member_added`); a user deleted outside it (`sdu`).
 * Everything else (signups, logins, SCIM, imports) changes state the logs do not show whole:
 * reconciliation with the state endpoints brings it in.
 */
export function project(e: EngineEvent): RowChange[] {
  const changes = changesOf(e);
  // Each row names the event that wrote it: a tie of time with a tombstone or another write
  // (a member removed and added again in one millisecond) then goes by stream position. Without
  // it the re-added member lost to its removal's tombstone.
  for (const c of changes) if (c.op === 'upsert') c.row.last_event_id = e.id;
  return changes;
}

function changesOf(e: EngineEvent): RowChange[] {
  const log = e.data;
  if (isCloudEvent(log)) return cloudChanges(e);
  const changes: RowChange[] = [logRow(log, e)];
  const call = apiCallOf(log);
  if (call) changes.push(...apiChanges(call, e));
  else if (e.type === 'organization_member_added')
    changes.push(new Changes(e).member(str(log, 'organization_id'), str(log, 'user_id')));
  else if (e.type === 'sdu') changes.push(...new Changes(e).userDeleted(str(log, 'user_id')));
  return changes;
}

/**
 * An object of the tenant's state (first import, reconciliation). Users carry `updated_at`;
 * organizations, members and roles have no time of their own: `readAt` dates them, and a
 * reconciliation rewrites them only where their content differs.
 */
export function snapshotChanges(item: SnapshotItem): RowChange[] {
  const o = item.object;
  const at = item.readAt ?? new Date().toISOString();
  switch (item.kind) {
    case 'user':
      return [upsert('auth0_users', userRow(o, at))];
    case 'organization':
      return [upsert('auth0_organizations', organizationRow(o, at), undefined, true)];
    case 'role':
      return [upsert('auth0_roles', roleRow(o, at), undefined, true)];
    case 'member': {
      const org = item.organizationId!;
      const userId = str(o, 'user_id');
      const { roles, ...member } = o;
      return [
        upsert('auth0_organization_members', memberRow(org, userId, member, at), undefined, true),
        ...(Array.isArray(roles) ? (roles as Obj[]) : []).map((r) =>
          upsert(
            'auth0_member_roles',
            memberRoleRow(org, userId, str(r, 'id'), at),
            undefined,
            true,
          ),
        ),
      ];
    }
    default:
      throw new Error(`unknown snapshot kind ${item.kind}`);
  }
}
