import type { Random } from '../random.js';
import { Auth0Error } from './errors.js';
import { DATABASE_CONNECTION, sapiLog, userLog, type ApiCaller } from './log-entries.js';
import { LogStore, type LogStoreOptions } from './log-store.js';

export interface Auth0User extends Record<string, unknown> {
  user_id: string;
  /** Absent for users without one (a phone or social user). */
  email?: string;
  email_verified: boolean;
  name: string;
  nickname: string;
  given_name?: string;
  family_name?: string;
  picture: string;
  created_at: string;
  updated_at: string;
  identities: { connection: string; user_id: string; provider: 'auth0'; isSocial: boolean }[];
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
  blocked?: boolean;
  last_login?: string;
  last_ip?: string;
  logins_count?: number;
}

/** Organizations carry no timestamps, on the API or in events. */
export interface Auth0Organization extends Record<string, unknown> {
  id: string;
  name: string;
  display_name?: string;
  metadata?: Record<string, string>;
  branding?: { logo_url?: string; colors?: { primary: string; page_background: string } };
}

export interface Auth0Role {
  id: string;
  name: string;
  description: string;
}

/** An organization's members: user id → the ids of the roles it has there. */
type Members = Map<string, Set<string>>;

/**
 * Everything the emulated tenant holds, and every way it changes. A Management API write
 * changes state and writes the `sapi` log the real API writes (plus `ss` for a created user);
 * a change from anywhere else (signup, login, SCIM, import, an invitation accepted) writes its
 * own log type and no `sapi`.
 */
export class Tenant {
  readonly users = new Map<string, Auth0User>();
  /** Users by email: checking a new one's against every user made large tenants quadratic. */
  private readonly usersByEmail = new Map<string, Set<string>>();
  readonly organizations = new Map<string, Auth0Organization>();
  readonly members = new Map<string, Members>();
  /** The organizations each user has been added to (deleting a user walked every one). */
  private readonly orgsOf = new Map<string, Set<string>>();
  /**
   * The member role sets each role was assigned into (some may since belong to no member: a
   * removed one's), so deleting a role visits its holders, not every membership.
   */
  private readonly roleHolders = new Map<string, Set<Set<string>>>();
  /** Organization ids by name (names are unique in a tenant). */
  private readonly orgByName = new Map<string, string>();
  readonly roles = new Map<string, Auth0Role>();
  readonly logs: LogStore;
  /**
   * The order organizations and memberships were made in (`org:<id>`, `member:<org>:<user>`):
   * checkpoint paging hands out positions in it, so a deletion between pages skips nothing.
   */
  readonly seq = new Map<string, number>();
  private nextSeq = 0;
  /** While history is generated, the time it is at; otherwise the clock. */
  timeOverride: number | null = null;
  /** Told of each change as Event Streams announce it (type, `data.object`). */
  onEvent: ((type: string, object: Record<string, unknown>) => void) | null = null;

  constructor(
    readonly name: string,
    private readonly random: Random,
    private readonly clock: () => number,
    logOptions: LogStoreOptions = {},
  ) {
    this.logs = new LogStore(random, logOptions);
  }

  now(): number {
    return this.timeOverride ?? this.clock();
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  private hex(n: number): string {
    return Array.from({ length: n }, () => this.random.int(16).toString(16)).join('');
  }

  private alnum(n: number): string {
    const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    return Array.from({ length: n }, () => chars[this.random.int(chars.length)]).join('');
  }

  private announce(type: string, object: Record<string, unknown>): void {
    this.onEvent?.(type, structuredClone(object));
  }

  private memberObject(orgId: string, userId: string): Record<string, unknown> {
    const org = this.organizations.get(orgId);
    return { organization: { id: orgId, name: org?.name }, user: { user_id: userId } };
  }

  private sapi(
    caller: ApiCaller,
    description: string,
    method: string,
    path: string,
    body: unknown,
    status: number,
    response: unknown,
  ): void {
    this.logs.write(
      sapiLog(this.name, this.iso(), caller, { description, method, path, body, status, response }),
    );
  }

  user(id: string): Auth0User {
    const user = this.users.get(id);
    if (!user) throw Auth0Error.notFound('The user does not exist.', 'inexistent_user');
    return user;
  }

  organization(id: string): Auth0Organization {
    const org = this.organizations.get(id);
    if (!org) throw Auth0Error.notFound('No organization found by that id or name');
    return org;
  }

  role(id: string): Auth0Role {
    const role = this.roles.get(id);
    if (!role) throw Auth0Error.notFound('The role does not exist.');
    return role;
  }

  // ---- users ----

  private newUser(input: Record<string, unknown>): Auth0User {
    const email = typeof input.email === 'string' ? input.email.toLowerCase() : undefined;
    if (email && this.usersByEmail.get(email)?.size)
      throw Auth0Error.of(409, 'The user already exists.', 'auth0_idp_error');
    const hex = this.hex(24);
    const now = this.iso();
    const name = typeof input.name === 'string' ? input.name : (email ?? hex);
    const user: Auth0User = {
      user_id: `auth0|${hex}`,
      ...(email ? { email } : {}),
      email_verified: input.email_verified === true,
      name,
      nickname: typeof input.nickname === 'string' ? input.nickname : name.split('@')[0]!,
      ...(typeof input.given_name === 'string' ? { given_name: input.given_name } : {}),
      ...(typeof input.family_name === 'string' ? { family_name: input.family_name } : {}),
      picture: `https://s.gravatar.com/avatar/${this.hex(32)}?s=480&r=pg&d=identicon`,
      created_at: now,
      updated_at: now,
      identities: [
        { connection: DATABASE_CONNECTION.name, user_id: hex, provider: 'auth0', isSocial: false },
      ],
      app_metadata: (input.app_metadata as Record<string, unknown>) ?? {},
      user_metadata: (input.user_metadata as Record<string, unknown>) ?? {},
      ...(input.blocked === true ? { blocked: true } : {}),
    };
    this.users.set(user.user_id, user);
    this.indexEmail(user, undefined);
    this.announce('user.created', user);
    return user;
  }

  /** `POST /api/v2/users`: a `sapi` log and, apart, an `ss`. */
  createUser(caller: ApiCaller, input: Record<string, unknown>): Auth0User {
    if (input.connection !== DATABASE_CONNECTION.name)
      throw Auth0Error.badRequest('Payload validation error: connection does not exist.');
    const user = this.newUser(input);
    this.sapi(caller, 'Create a User', 'POST', '/api/v2/users', input, 201, user);
    const { user_id: _, ...body } = { ...input, password: '*****' } as Record<string, unknown>;
    this.logs.write(
      userLog(this.name, this.iso(), {
        type: 'ss',
        description: '',
        user,
        details: { body },
        clientId: caller.clientId,
      }),
    );
    return user;
  }

  /** `PATCH /api/v2/users/{id}`. */
  updateUser(caller: ApiCaller, id: string, patch: Record<string, unknown>): Auth0User {
    const user = this.user(id);
    this.applyUserPatch(user, patch);
    this.sapi(caller, 'Update a User', 'PATCH', userPath(id), patch, 200, user);
    return user;
  }

  private applyUserPatch(user: Auth0User, patch: Record<string, unknown>): void {
    for (const key of [
      'name',
      'nickname',
      'given_name',
      'family_name',
      'blocked',
      'email_verified',
    ])
      if (key in patch) user[key] = patch[key];
    if (typeof patch.email === 'string') {
      const before = user.email;
      user.email = patch.email.toLowerCase();
      this.indexEmail(user, before);
    }
    for (const key of ['app_metadata', 'user_metadata'] as const)
      if (typeof patch[key] === 'object' && patch[key] !== null)
        user[key] = { ...user[key], ...(patch[key] as Record<string, unknown>) };
    user.updated_at = this.iso();
    this.announce('user.updated', user);
  }

  /** `DELETE /api/v2/users/{id}`: gone from every organization too. */
  deleteUser(caller: ApiCaller, id: string): void {
    this.removeUser(this.user(id));
    this.sapi(caller, 'Delete a User', 'DELETE', userPath(id), null, 204, {});
  }

  /** Moves a user in `usersByEmail` from `before` (gone, or another email) to its email now. */
  private indexEmail(user: Auth0User, before: string | undefined): void {
    if (before !== undefined) this.usersByEmail.get(before)?.delete(user.user_id);
    if (user.email === undefined || !this.users.has(user.user_id)) return;
    let ids = this.usersByEmail.get(user.email);
    if (!ids) this.usersByEmail.set(user.email, (ids = new Set()));
    ids.add(user.user_id);
  }

  private removeUser(user: Auth0User): void {
    this.users.delete(user.user_id);
    this.indexEmail(user, user.email);
    this.announce('user.deleted', { ...user, deleted_at: this.iso() });
    for (const orgId of this.orgsOf.get(user.user_id) ?? [])
      this.members.get(orgId)?.delete(user.user_id);
    this.orgsOf.delete(user.user_id);
  }

  // ---- organizations ----

  /** A name an organization may take: valid, and no other organization's. */
  private freeOrganizationName(name: unknown, id?: string): string {
    if (typeof name !== 'string' || !/^[a-z0-9_-]{1,50}$/.test(name))
      throw Auth0Error.badRequest(
        'Payload validation error: name is not a valid organization name.',
      );
    const holder = this.orgByName.get(name);
    if (holder !== undefined && holder !== id)
      throw Auth0Error.of(
        409,
        'An organization with this name already exists.',
        'organization_conflict',
      );
    return name;
  }

  createOrganization(caller: ApiCaller, input: Record<string, unknown>): Auth0Organization {
    const name = this.freeOrganizationName(input.name);
    const org: Auth0Organization = {
      id: `org_${this.alnum(16)}`,
      name,
      ...(typeof input.display_name === 'string' ? { display_name: input.display_name } : {}),
      ...(input.metadata ? { metadata: input.metadata as Record<string, string> } : {}),
      ...(input.branding ? { branding: input.branding as Auth0Organization['branding'] } : {}),
    };
    this.organizations.set(org.id, org);
    this.orgByName.set(name, org.id);
    this.members.set(org.id, new Map());
    this.seq.set(`org:${org.id}`, this.nextSeq++);
    this.announce('organization.created', org);
    this.sapi(caller, 'Create an Organization', 'POST', '/api/v2/organizations', input, 201, org);
    return org;
  }

  updateOrganization(
    caller: ApiCaller,
    id: string,
    patch: Record<string, unknown>,
  ): Auth0Organization {
    const org = this.organization(id);
    if ('name' in patch) {
      const name = this.freeOrganizationName(patch.name, id);
      this.orgByName.delete(org.name);
      this.orgByName.set(name, id);
    }
    for (const key of ['name', 'display_name', 'branding'] as const)
      if (key in patch) (org as Record<string, unknown>)[key] = patch[key];
    if (patch.metadata)
      org.metadata = { ...org.metadata, ...(patch.metadata as Record<string, string>) };
    this.sapi(
      caller,
      'Modify an Organization',
      'PATCH',
      `/api/v2/organizations/${id}`,
      patch,
      200,
      org,
    );
    return org;
  }

  deleteOrganization(caller: ApiCaller, id: string): void {
    this.organization(id);
    const { branding: _, ...deleted } = this.organizations.get(id)!;
    this.organizations.delete(id);
    this.orgByName.delete(deleted.name);
    for (const userId of this.members.get(id)!.keys()) this.orgsOf.get(userId)?.delete(id);
    this.members.delete(id);
    this.announce('organization.deleted', deleted);
    this.sapi(
      caller,
      'Delete organization',
      'DELETE',
      `/api/v2/organizations/${id}`,
      null,
      204,
      {},
    );
  }

  addMembers(caller: ApiCaller, orgId: string, userIds: string[]): void {
    this.organization(orgId);
    for (const id of userIds) this.user(id);
    const members = this.members.get(orgId)!;
    for (const id of userIds) this.addMember(orgId, members, id);
    const path = `/api/v2/organizations/${orgId}/members`;
    this.sapi(
      caller,
      'Add members to an organization',
      'POST',
      path,
      { members: userIds },
      204,
      {},
    );
  }

  removeMembers(caller: ApiCaller, orgId: string, userIds: string[]): void {
    this.organization(orgId);
    const members = this.members.get(orgId)!;
    for (const id of userIds)
      if (members.delete(id)) {
        this.orgsOf.get(id)?.delete(orgId);
        this.announce('organization.member.deleted', this.memberObject(orgId, id));
      }
    const path = `/api/v2/organizations/${orgId}/members`;
    this.sapi(
      caller,
      'Delete members from an organization',
      'DELETE',
      path,
      { members: userIds },
      204,
      {},
    );
  }

  private memberRole(orgId: string, userId: string, roleId: string): Record<string, unknown> {
    return {
      organization: { id: orgId },
      user: { user_id: userId },
      role: { id: roleId, name: this.roles.get(roleId)?.name },
    };
  }

  private addMember(orgId: string, members: Members, userId: string): void {
    if (members.has(userId)) return;
    members.set(userId, new Set());
    let orgs = this.orgsOf.get(userId);
    if (!orgs) this.orgsOf.set(userId, (orgs = new Set()));
    orgs.add(orgId);
    this.seq.set(`member:${orgId}:${userId}`, this.nextSeq++);
    this.announce('organization.member.added', this.memberObject(orgId, userId));
  }

  private memberRoles(orgId: string, userId: string): Set<string> {
    this.organization(orgId);
    const roles = this.members.get(orgId)!.get(userId);
    if (!roles) throw Auth0Error.notFound('The user is not a member of the organization.');
    return roles;
  }

  assignMemberRoles(caller: ApiCaller, orgId: string, userId: string, roleIds: string[]): void {
    const roles = this.memberRoles(orgId, userId);
    for (const id of roleIds) this.role(id);
    for (const id of roleIds) {
      roles.add(id);
      let holders = this.roleHolders.get(id);
      if (!holders) this.roleHolders.set(id, (holders = new Set()));
      holders.add(roles);
      this.announce('organization.member.role.assigned', this.memberRole(orgId, userId, id));
    }
    const path = `/api/v2/organizations/${orgId}/members/${encodeURIComponent(userId)}/roles`;
    this.sapi(
      caller,
      'Assign user roles to an Organization member',
      'POST',
      path,
      { roles: roleIds },
      204,
      {},
    );
  }

  removeMemberRoles(caller: ApiCaller, orgId: string, userId: string, roleIds: string[]): void {
    const roles = this.memberRoles(orgId, userId);
    for (const id of roleIds)
      if (roles.delete(id))
        this.announce('organization.member.role.deleted', this.memberRole(orgId, userId, id));
    const path = `/api/v2/organizations/${orgId}/members/${encodeURIComponent(userId)}/roles`;
    this.sapi(
      caller,
      'Delete user roles from an Organization member',
      'DELETE',
      path,
      { roles: roleIds },
      204,
      {},
    );
  }

  // ---- roles ----

  createRole(caller: ApiCaller, input: Record<string, unknown>): Auth0Role {
    if (typeof input.name !== 'string' || input.name === '')
      throw Auth0Error.badRequest('Payload validation error: Missing required property: name.');
    const role: Auth0Role = {
      id: `rol_${this.alnum(16)}`,
      name: input.name,
      description: typeof input.description === 'string' ? input.description : '',
    };
    this.roles.set(role.id, role);
    this.sapi(caller, 'Create a role', 'POST', '/api/v2/roles', input, 200, role);
    return role;
  }

  updateRole(caller: ApiCaller, id: string, patch: Record<string, unknown>): Auth0Role {
    const role = this.role(id);
    if (typeof patch.name === 'string') role.name = patch.name;
    if (typeof patch.description === 'string') role.description = patch.description;
    this.sapi(caller, 'Update a role', 'PATCH', `/api/v2/roles/${id}`, patch, 200, role);
    return role;
  }

  deleteRole(caller: ApiCaller, id: string): void {
    this.role(id);
    this.roles.delete(id);
    for (const roles of this.roleHolders.get(id) ?? []) roles.delete(id);
    this.roleHolders.delete(id);
    this.sapi(caller, 'Delete a role', 'DELETE', `/api/v2/roles/${id}`, null, 200, {});
  }

  // ---- changes outside the Management API: their own log types, no sapi ----

  /** A signup on the login page: `ss` only. */
  signup(input: { email: string; name?: string }): Auth0User {
    const user = this.newUser({ ...input, email_verified: false });
    this.logs.write(
      userLog(this.name, this.iso(), {
        type: 'ss',
        description: '',
        user,
        details: {
          body: { email: user.email, tenant: this.name, connection: DATABASE_CONNECTION.name },
        },
      }),
    );
    return user;
  }

  /** A login: `s`; `last_login`, `logins_count` and `updated_at` move (a login is an update). */
  login(userId: string): Auth0User {
    const user = this.user(userId);
    user.last_login = this.iso();
    user.last_ip = '198.51.100.23';
    user.logins_count = (user.logins_count ?? 0) + 1;
    user.updated_at = user.last_login;
    // "user.updated includes ... the user themselves after logging in" (the event catalog).
    this.announce('user.updated', user);
    this.logs.write(
      userLog(this.name, this.iso(), {
        type: 's',
        description: 'Successful login',
        user,
        details: {
          prompts: [],
          completedAt: this.now(),
          elapsedTime: 412,
          session_id: this.alnum(32),
        },
      }),
    );
    return user;
  }

  /** The user changes their own email: `sce`. */
  changeEmail(userId: string, email: string): Auth0User {
    const user = this.user(userId);
    this.applyUserPatch(user, { email, email_verified: false });
    this.logs.write(
      userLog(this.name, this.iso(), {
        type: 'sce',
        description: 'Change email',
        user,
        details: { email },
      }),
    );
    return user;
  }

  /** SCIM provisioning from an enterprise directory: `sscim`. */
  scim(
    op: 'create' | 'update' | 'delete',
    input: { userId?: string; email?: string; name?: string },
  ): Auth0User | null {
    let user: Auth0User;
    if (op === 'create')
      user = this.newUser({ email: input.email, name: input.name, email_verified: true });
    else {
      user = this.user(input.userId!);
      if (op === 'update') this.applyUserPatch(user, { name: input.name });
      else this.removeUser(user);
    }
    this.logs.write(
      userLog(this.name, this.iso(), {
        type: 'sscim',
        description: `SCIM ${op}`,
        user,
        details: { operation: op, resource: 'Users' },
      }),
    );
    return op === 'delete' ? null : user;
  }

  /** A bulk import job: `sui` for the batch, no log per user. */
  importUsers(inputs: { email: string; name?: string }[]): Auth0User[] {
    const users = inputs.map((i) => this.newUser({ ...i, email_verified: true }));
    this.logs.write(
      userLog(this.name, this.iso(), {
        type: 'sui',
        description: 'Successfully imported users',
        user: { user_id: '', email: null },
        details: { summary: { inserted: users.length, updated: 0, failed: 0 } },
      }),
    );
    return users;
  }

  /** An invitation accepted: membership, `organization_member_added`, no sapi. */
  acceptInvitation(orgId: string, userId: string): void {
    const org = this.organization(orgId);
    const user = this.user(userId);
    this.addMember(orgId, this.members.get(orgId)!, userId);
    this.logs.write(
      userLog(this.name, this.iso(), {
        type: 'organization_member_added',
        description: 'Member added to organization',
        user,
        organization: { id: org.id, name: org.name },
        details: { reason: 'invitation' },
      }),
    );
  }
}

/** A user's path in a log: the id URL-encoded (`auth0%7C…`), as the real API records it. */
export function userPath(id: string): string {
  return `/api/v2/users/${encodeURIComponent(id)}`;
}
