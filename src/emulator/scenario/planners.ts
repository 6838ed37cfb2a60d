import { ACTIVITY_TYPES, recordActivity } from '../state/activity.js';
import { createConnection, deleteConnection, setConnectionActive } from '../state/connections.js';
import {
  activateDirectory,
  addUserToGroup,
  createDirectoryGroup,
  createDirectoryUser,
  deleteDirectory,
  deleteDirectoryGroup,
  deleteDirectoryUser,
  removeUserFromGroup,
  updateDirectoryGroup,
  updateDirectoryUser,
} from '../state/directories.js';
import {
  acceptInvitation,
  createInvitation,
  resendInvitation,
  revokeInvitation,
} from '../state/invitations.js';
import { createMembership, deleteMembership, updateMembership } from '../state/memberships.js';
import {
  createDomain,
  createOrganization,
  deleteOrganization,
  updateOrganization,
  verifyDomain,
} from '../state/organizations.js';
import { createRole, deleteRole, updateRole } from '../state/roles.js';
import type { Organization } from '../state/types.js';
import { createUser, deleteUser, updateUser } from '../state/users.js';
import {
  COMPANY_SUFFIXES,
  COMPANY_WORDS,
  CONNECTION_TYPES,
  DIRECTORY_TYPES,
  GROUP_NAMES,
  LAST_NAMES,
} from './names.js';

import type { ScenarioGenerator } from './generator.js';

/** A change the generator may make: how many events it will emit, and how to make it. */
export interface Step {
  cost: number;
  run: () => void;
}

/** Plans one change for the current state, or returns null when it does not apply. */
export type Planner = (g: ScenarioGenerator, organization: Organization | undefined) => Step | null;

// --- planners: each returns null when it does not apply to the current state ---

const newOrganization: Planner = (g) => {
  const domainCount = 1 + g.random.int(2);
  const name = `${g.random.pick(COMPANY_WORDS)} ${g.random.pick(COMPANY_SUFFIXES)}`;
  const n = g.nextNumber();
  const domains = Array.from(
    { length: domainCount },
    (_, i) => `${name.toLowerCase().replace(/[^a-z]/g, '')}${n}${i ? `-${i}` : ''}.com`,
  );
  // organization.created, then per domain: organization_domain.created + organization.updated
  // (unless domain changes are silent: see EmulatorVariant).
  return {
    cost: 1 + domainEvents(g) * domainCount,
    run: () => createOrganization(g.world, { name, domains }),
  };
};

const updateOrg: Planner = (g, org) =>
  org
    ? {
        cost: 1,
        run: () =>
          updateOrganization(g.world, org.id, {
            metadata: { tier: g.random.pick(['free', 'pro', 'enterprise']) },
          }),
      }
    : null;

const removeOrganization: Planner = (g, org) => {
  if (!org || g.world.organizations.size < 5) return null;
  const w = g.world;
  const cost =
    1 +
    w.memberships.where('organization', org.id).length +
    w.connections.where('organization', org.id).filter((c) => c).length +
    w.directories.where('organization', org.id).length +
    w.roles.where('organization', org.id).length +
    w.domains.where('organization', org.id).length;
  return { cost, run: () => deleteOrganization(w, org.id) };
};

/** Events per domain change: its own, and the organization.updated unless changes are silent. */
const domainEvents = (g: { world: { silentDomainChanges: boolean } }) =>
  g.world.silentDomainChanges ? 1 : 2;

const settleDomain: Planner = (g, org) => {
  const pending = org
    ? g.world.domains.where('organization', org.id).find((d) => d.state === 'pending')
    : undefined;
  if (!pending) return null;
  // The domain event plus the organization.updated that re-embeds the domain.
  return {
    cost: domainEvents(g),
    run: () => verifyDomain(g.world, pending.id, g.random.chance(0.85) ? 'verified' : 'failed'),
  };
};

const addDomain: Planner = (g, org) =>
  org
    ? {
        cost: domainEvents(g),
        run: () =>
          createDomain(g.world, {
            organization_id: org.id,
            domain: `extra${g.nextNumber()}.example.net`,
          }),
      }
    : null;

const newUser: Planner = (g) => {
  const p = g.person();
  return {
    cost: 1,
    run: () =>
      createUser(g.world, {
        ...p,
        email: g.uniqueEmail(p.first_name, p.last_name),
        email_verified: g.random.chance(0.7),
      }),
  };
};

const randomUser = (g: ScenarioGenerator) => g.world.users.random(() => g.random.float());

const changeUser: Planner = (g) => {
  const user = randomUser(g);
  if (!user) return null;
  const patch = g.random.chance(0.5)
    ? { last_name: g.random.pick(LAST_NAMES) }
    : g.random.chance(0.5)
      ? { email_verified: true }
      : { metadata: { plan: g.random.pick(['a', 'b', 'c']) } };
  return { cost: 1, run: () => updateUser(g.world, user.id, patch) };
};

const removeUser: Planner = (g) => {
  const user = randomUser(g);
  if (!user) return null;
  const cost = 1 + g.world.memberships.where('user', user.id).length;
  return { cost, run: () => deleteUser(g.world, user.id) };
};

/** A user deleted and signed up again with the same email: a new id for the same person. */
const recreateUser: Planner = (g) => {
  const user = randomUser(g);
  if (!user) return null;
  const cost = 2 + g.world.memberships.where('user', user.id).length;
  return {
    cost,
    run: () => {
      deleteUser(g.world, user.id);
      createUser(g.world, {
        email: user.email,
        first_name: user.first_name,
        last_name: user.last_name,
      });
    },
  };
};

const join: Planner = (g, org) => {
  const user = randomUser(g);
  if (!org || !user) return null;
  if (g.world.memberships.where('user', user.id).some((m) => m.organization_id === org.id))
    return null;
  const role = g.random.chance(0.15) ? 'admin' : 'member';
  return {
    cost: 1,
    run: () =>
      createMembership(g.world, { user_id: user.id, organization_id: org.id, role_slug: role }),
  };
};

const randomMembership = (g: ScenarioGenerator, org: Organization | undefined) =>
  org
    ? g.random.pick([...g.world.memberships.where('organization', org.id), undefined])
    : undefined;

const changeMembership: Planner = (g, org) => {
  const m = randomMembership(g, org);
  if (!m) return null;
  const patch = g.random.chance(0.7)
    ? { role_slug: m.role.slug === 'admin' ? 'member' : 'admin' }
    : { status: m.status === 'active' ? ('inactive' as const) : ('active' as const) };
  return { cost: 1, run: () => updateMembership(g.world, m.id, patch) };
};

const leave: Planner = (g, org) => {
  const m = randomMembership(g, org);
  return m ? { cost: 1, run: () => deleteMembership(g.world, m.id) } : null;
};

const invite: Planner = (g, org) => {
  if (!org) return null;
  const p = g.person();
  const inviter = g.world.memberships.where('organization', org.id)[0]?.user_id ?? null;
  return {
    cost: 1,
    run: () =>
      createInvitation(g.world, {
        email: g.uniqueEmail(p.first_name, p.last_name),
        organization_id: org.id,
        inviter_user_id: inviter,
      }),
  };
};

const answerInvitation: Planner = (g, org) => {
  const pending = org
    ? g.world.invitations.where('organization', org.id).filter((i) => i.state === 'pending')
    : [];
  const invitation = pending.length ? g.random.pick(pending) : undefined;
  if (!invitation) return null;
  const roll = g.random.float();
  if (roll < 0.6) {
    // invitation.accepted, plus user.created for a new person and the new membership.
    const existing = g.world.users.where('email', invitation.email.toLowerCase())[0];
    const member =
      existing &&
      g.world.memberships.where('user', existing.id).some((m) => m.organization_id === org?.id);
    const cost = 1 + (existing ? 0 : 1) + (member ? 0 : 1);
    return { cost, run: () => acceptInvitation(g.world, invitation.id) };
  }
  if (roll < 0.8) return { cost: 1, run: () => revokeInvitation(g.world, invitation.id) };
  return { cost: 1, run: () => resendInvitation(g.world, invitation.id) };
};

const connectionChange: Planner = (g, org) => {
  if (!org) return null;
  const connections = g.world.connections.where('organization', org.id);
  const connection = connections.length ? g.random.pick(connections) : undefined;
  if (!connection || g.random.chance(0.3)) {
    return {
      cost: 1,
      run: () => {
        const c = createConnection(g.world, {
          organization_id: org.id,
          connection_type: g.random.pick(CONNECTION_TYPES),
          name: `${org.name} SSO`,
        });
        setConnectionActive(g.world, c.id, true);
      },
    };
  }
  if (g.random.chance(0.1)) return { cost: 1, run: () => deleteConnection(g.world, connection.id) };
  return {
    cost: 1,
    run: () => setConnectionActive(g.world, connection.id, connection.state !== 'active'),
  };
};

const directoryOf = (g: ScenarioGenerator, org: Organization | undefined) =>
  org
    ? g.random.pick([...g.world.directories.where('organization', org.id), undefined])
    : undefined;

const directoryChange: Planner = (g, org) => {
  if (!org) return null;
  const directory = directoryOf(g, org);
  if (!directory) {
    if (g.world.directories.where('organization', org.id).length > 0) return null;
    return {
      cost: 1,
      run: () =>
        activateDirectory(g.world, {
          organization_id: org.id,
          type: g.random.pick(DIRECTORY_TYPES),
        }),
    };
  }
  const users = g.world.directoryUsers.where('directory', directory.id);
  const groups = g.world.directoryGroups.where('directory', directory.id);
  const roll = g.random.float();
  if (roll < 0.35 || users.length === 0) {
    const p = g.person();
    const domain = org.domains[0]?.domain ?? 'example.com';
    return {
      cost: 1,
      run: () =>
        createDirectoryUser(g.world, {
          directory_id: directory.id,
          ...p,
          email: g.uniqueEmail(p.first_name, p.last_name, domain),
        }),
    };
  }
  const user = g.random.pick(users);
  if (roll < 0.5) {
    const patch = g.random.chance(0.5)
      ? { state: g.random.pick(['active', 'suspended', 'inactive'] as const) }
      : { job_title: g.random.pick(GROUP_NAMES) };
    return { cost: 1, run: () => updateDirectoryUser(g.world, user.id, patch) };
  }
  if (roll < 0.58) {
    const cost = 1 + (g.world.groupsOfUser.get(user.id)?.size ?? 0);
    return { cost, run: () => deleteDirectoryUser(g.world, user.id) };
  }
  if (roll < 0.68 || groups.length === 0) {
    return {
      cost: 1,
      run: () =>
        createDirectoryGroup(g.world, {
          directory_id: directory.id,
          name: `${g.random.pick(GROUP_NAMES)} ${g.nextNumber()}`,
        }),
    };
  }
  const group = g.random.pick(groups);
  if (roll < 0.72)
    return {
      cost: 1,
      run: () =>
        updateDirectoryGroup(g.world, group.id, {
          name: `${g.random.pick(GROUP_NAMES)} ${g.nextNumber()}`,
        }),
    };
  if (roll < 0.75) {
    const cost = 1 + (g.world.usersOfGroup.get(group.id)?.size ?? 0);
    return { cost, run: () => deleteDirectoryGroup(g.world, group.id) };
  }
  if (roll < 0.993) {
    const isMember = g.world.usersOfGroup.get(group.id)?.has(user.id) ?? false;
    return isMember
      ? { cost: 1, run: () => removeUserFromGroup(g.world, group.id, user.id) }
      : { cost: 1, run: () => addUserToGroup(g.world, group.id, user.id) };
  }
  return { cost: 1, run: () => deleteDirectory(g.world, directory.id) };
};

const organizationRoleChange: Planner = (g, org) => {
  if (!org) return null;
  const roles = g.world.roles.where('organization', org.id);
  if (roles.length === 0 || g.random.chance(0.3)) {
    return {
      cost: 1,
      run: () =>
        createRole(g.world, {
          slug: `custom-${g.nextNumber()}`,
          name: 'Custom',
          organization_id: org.id,
          permissions: ['reports:read'],
        }),
    };
  }
  const role = g.random.pick(roles);
  if (g.random.chance(0.2)) return { cost: 1, run: () => deleteRole(g.world, role.id) };
  return {
    cost: 1,
    run: () =>
      updateRole(g.world, role.id, { permissions: ['reports:read', `extra:${g.nextNumber()}`] }),
  };
};

const activity: Planner = (g, org) => {
  const user = randomUser(g);
  if (!user) return null;
  const membership = g.world.memberships.where('user', user.id)[0];
  const type = g.random.pick(ACTIVITY_TYPES);
  const organizationId =
    type.startsWith('session.') && membership && org ? membership.organization_id : null;
  return {
    cost: 1,
    run: () => recordActivity(g.world, { type, user_id: user.id, organization_id: organizationId }),
  };
};

/** [weight, planner]: the mix of a typical B2B environment's stream. */
export const PLANNERS: [number, Planner][] = [
  [4, newOrganization],
  [2, updateOrg],
  [0.15, removeOrganization],
  [2, settleDomain],
  [0.5, addDomain],
  [12, newUser],
  [6, changeUser],
  [1, removeUser],
  [0.7, recreateUser],
  [14, join],
  [5, changeMembership],
  [3, leave],
  [3, invite],
  [2.5, answerInvitation],
  [2, connectionChange],
  [10, directoryChange],
  [1.5, organizationRoleChange],
  [25, activity],
];

/** During a burst: changes inside one organization only. */
export const ORGANIZATION_PLANNERS: [number, Planner][] = [
  [10, join],
  [6, changeMembership],
  [3, leave],
  [3, invite],
  [2, answerInvitation],
  [12, directoryChange],
  [1, connectionChange],
  [1, updateOrg],
];
