import type { Random } from '../random.js';
import type { ApiCaller } from './log-entries.js';
import type { Tenant } from './tenant.js';

const FIRST = [
  'ada',
  'alan',
  'grace',
  'linus',
  'barbara',
  'ken',
  'margaret',
  'dennis',
  'radia',
  'john',
];
const LAST = [
  'lovelace',
  'turing',
  'hopper',
  'torvalds',
  'liskov',
  'thompson',
  'hamilton',
  'ritchie',
  'perlman',
  'backus',
];
const ROLE_NAMES = ['admin', 'member', 'billing', 'viewer', 'editor', 'owner'];

/** The draws of `step` that change the tenant outside the Management API. */
const OUTSIDE_API: [number, number][] = [
  [0.18, 0.4],
  [0.48, 0.57],
  [0.96, 1],
];

/** One random change to the tenant, from any of the ways a tenant changes, weighted as a busy B2B tenant's. */
export class TenantGenerator {
  private count = 0;

  constructor(
    private readonly tenant: Tenant,
    private readonly random: Random,
    private readonly caller: ApiCaller,
    /** Only Management API writes: no signups, logins, SCIM, imports or accepted invitations. */
    private readonly apiOnly = false,
  ) {}

  private pick<T>(map: Map<string, T>): T | undefined {
    if (map.size === 0) return undefined;
    const i = this.random.int(map.size);
    let n = 0;
    for (const value of map.values()) if (n++ === i) return value;
    return undefined;
  }

  private email(): string {
    this.count++;
    return `${this.random.pick(FIRST)}.${this.random.pick(LAST)}.${this.count}@example.com`;
  }

  private orgWithMember(): { orgId: string; userId: string } | undefined {
    for (let tries = 0; tries < 5; tries++) {
      const org = this.pick(this.tenant.organizations);
      const members = org && this.tenant.members.get(org.id);
      if (!org || !members || members.size === 0) continue;
      const i = this.random.int(members.size);
      return { orgId: org.id, userId: [...members.keys()][i]! };
    }
    return undefined;
  }

  /** Makes one change; returns whether it did (a change that finds nothing to act on does not). */
  step(): boolean {
    const t = this.tenant;
    const c = this.caller;
    const r = this.random.float();
    if (this.apiOnly && OUTSIDE_API.some(([from, to]) => r >= from && r < to)) return false;
    const user = () => this.pick(t.users);
    if (t.users.size < 5 || r < 0.18) {
      const email = this.email();
      const [given, family] = email.split('.') as [string, string];
      t.createUser(c, {
        connection: 'Username-Password-Authentication',
        email,
        password: 'correct horse battery staple',
        given_name: given,
        family_name: family,
        name: `${given} ${family}`,
      });
      return true;
    }
    if (r < 0.26) return Boolean(t.signup({ email: this.email() }));
    if (r < 0.4) {
      const u = user();
      return Boolean(u && t.login(u.user_id));
    }
    if (r < 0.48) {
      const u = user();
      return Boolean(
        u &&
        t.updateUser(c, u.user_id, {
          user_metadata: { plan: this.random.pick(['free', 'pro', 'team']) },
          name: `${this.random.pick(FIRST)} ${this.random.pick(LAST)}`,
        }),
      );
    }
    if (r < 0.5) {
      const u = user();
      return Boolean(u && t.changeEmail(u.user_id, this.email()));
    }
    if (r < 0.53) return Boolean(t.scim('create', { email: this.email(), name: 'Directory User' }));
    if (r < 0.55) {
      const u = user();
      return Boolean(
        u && t.scim('update', { userId: u.user_id, name: `${this.random.pick(FIRST)} (SCIM)` }),
      );
    }
    if (r < 0.56) {
      const u = user();
      if (!u) return false;
      t.scim('delete', { userId: u.user_id });
      return true;
    }
    if (r < 0.57)
      return t.importUsers([{ email: this.email() }, { email: this.email() }]).length > 0;
    if (r < 0.6) {
      const u = user();
      if (!u) return false;
      t.deleteUser(c, u.user_id);
      return true;
    }
    if (t.organizations.size < 3 || r < 0.65) {
      t.createOrganization(c, {
        name: `org-${this.count++}-${this.random.int(1e6)}`,
        display_name: `${this.random.pick(LAST)} Inc.`,
        metadata: { tier: 'gold' },
      });
      return true;
    }
    if (r < 0.68) {
      const o = this.pick(t.organizations);
      return Boolean(
        o &&
        t.updateOrganization(c, o.id, {
          display_name: `${this.random.pick(LAST)} ${this.random.pick(['Inc.', 'GmbH', 'Ltd'])}`,
        }),
      );
    }
    if (r < 0.685) {
      const o = this.pick(t.organizations);
      if (!o) return false;
      t.deleteOrganization(c, o.id);
      return true;
    }
    if (r < 0.78) {
      const o = this.pick(t.organizations);
      const ids = [user(), user()].filter(Boolean).map((u) => u!.user_id);
      if (!o || ids.length === 0) return false;
      t.addMembers(c, o.id, [...new Set(ids)]);
      return true;
    }
    if (r < 0.81) {
      const m = this.orgWithMember();
      if (!m) return false;
      t.removeMembers(c, m.orgId, [m.userId]);
      return true;
    }
    if (t.roles.size < 3 || r < 0.83) {
      t.createRole(c, {
        name: `${this.random.pick(ROLE_NAMES)}-${this.count++}`,
        description: 'A role',
      });
      return true;
    }
    if (r < 0.84) {
      const role = this.pick(t.roles);
      return Boolean(role && t.updateRole(c, role.id, { description: `Updated ${this.count++}` }));
    }
    if (r < 0.845) {
      const role = this.pick(t.roles);
      if (!role) return false;
      t.deleteRole(c, role.id);
      return true;
    }
    if (r < 0.93) {
      const m = this.orgWithMember();
      const role = this.pick(t.roles);
      if (!m || !role) return false;
      t.assignMemberRoles(c, m.orgId, m.userId, [role.id]);
      return true;
    }
    if (r < 0.96) {
      const m = this.orgWithMember();
      const roles = m && t.members.get(m.orgId)!.get(m.userId);
      if (!m || !roles || roles.size === 0) return false;
      t.removeMemberRoles(c, m.orgId, m.userId, [[...roles][0]!]);
      return true;
    }
    const o = this.pick(t.organizations);
    const u = user();
    if (!o || !u) return false;
    t.acceptInvitation(o.id, u.user_id);
    return true;
  }
}
