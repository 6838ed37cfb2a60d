import type { Directory, DirectoryGroup, DirectoryUser } from './types.js';
import { ApiError, type World } from './world.js';

/**
 * `dsync.*` events describe the directory with the event-side vocabulary (`state: active`,
 * `domains[]`) while `GET /directories` uses `linked`/`unlinked` and a single `domain`.
 */
export function directoryEventPayload(world: World, d: Directory): Record<string, unknown> {
  const domains = world.domains.where('organization', d.organization_id).map((x) => ({
    object: 'organization_domain',
    id: x.id,
    domain: x.domain,
  }));
  const { domain: _domain, ...rest } = d;
  return { ...rest, state: d.state === 'active' ? 'active' : 'inactive', domains };
}

export function directoryApiObject(d: Directory): Record<string, unknown> {
  const { domain, ...rest } = d;
  return {
    ...rest,
    state: d.state === 'active' ? 'linked' : 'unlinked',
    ...(domain ? { domain } : {}),
  };
}

export function directoryUserApiObject(world: World, u: DirectoryUser): Record<string, unknown> {
  const groups = [...(world.groupsOfUser.get(u.id) ?? [])]
    .map((id) => world.directoryGroups.get(id))
    .filter((g): g is DirectoryGroup => g !== undefined)
    .map((g) => (world.briefGroups ? { object: g.object, id: g.id, name: g.name } : g));
  return { ...u, groups };
}

export function activateDirectory(
  world: World,
  input: { organization_id: string; type?: string; name?: string },
): Directory {
  const organization = world.require(world.organizations, 'Organization', input.organization_id);
  const now = world.isoNow();
  const directory: Directory = {
    object: 'directory',
    id: world.newId('directory'),
    organization_id: input.organization_id,
    type: input.type ?? 'okta scim v2.0',
    state: 'active',
    name: input.name ?? `${organization.name} directory`,
    domain: organization.domains[0]?.domain ?? null,
    external_key: world.random.int(2 ** 31).toString(16),
    created_at: now,
    updated_at: now,
  };
  world.directories.put(directory);
  world.emit('dsync.activated', directoryEventPayload(world, directory), directory.organization_id);
  return directory;
}

/**
 * Deletes a directory. WorkOS sends only `dsync.deleted`, not one event per user or group
 * (unconfirmed; the tolerant reading), so consumers must drop the directory's users and groups.
 */
export function deleteDirectory(world: World, id: string): Directory {
  const directory = world.require(world.directories, 'Directory', id);
  for (const group of world.directoryGroups.where('directory', id)) {
    for (const userId of world.usersOfGroup.get(group.id) ?? [])
      world.groupsOfUser.get(userId)?.delete(group.id);
    world.usersOfGroup.delete(group.id);
    world.directoryGroups.delete(group.id);
  }
  for (const user of world.directoryUsers.where('directory', id)) {
    world.groupsOfUser.delete(user.id);
    world.directoryUsers.delete(user.id);
  }
  world.directories.delete(id);
  world.emit(
    'dsync.deleted',
    directoryEventPayload(world, { ...directory, state: 'deleting' }),
    directory.organization_id,
  );
  return directory;
}

export interface DirectoryUserInput {
  directory_id: string;
  email: string;
  first_name?: string | null;
  last_name?: string | null;
  state?: DirectoryUser['state'];
  role_slug?: string;
  custom_attributes?: Record<string, unknown>;
}

export function createDirectoryUser(world: World, input: DirectoryUserInput): DirectoryUser {
  const directory = world.require(world.directories, 'Directory', input.directory_id);
  if (typeof input.email !== 'string' || !input.email.includes('@'))
    throw ApiError.invalid('email');
  const now = world.isoNow();
  const user: DirectoryUser = {
    object: 'directory_user',
    id: world.newId('directory_user'),
    directory_id: directory.id,
    organization_id: directory.organization_id,
    idp_id: String(10000 + world.random.int(90000)),
    email: input.email,
    first_name: input.first_name ?? null,
    last_name: input.last_name ?? null,
    emails: [{ primary: true, type: 'work', value: input.email }],
    username: input.email,
    job_title: null,
    state: input.state ?? 'active',
    raw_attributes: {},
    custom_attributes: input.custom_attributes ?? {},
    role: { slug: input.role_slug ?? 'member' },
    created_at: now,
    updated_at: now,
  };
  world.directoryUsers.put(user);
  world.emit('dsync.user.created', user, user.organization_id);
  return user;
}

export function updateDirectoryUser(
  world: World,
  id: string,
  patch: Partial<
    Pick<DirectoryUser, 'first_name' | 'last_name' | 'state' | 'job_title' | 'custom_attributes'>
  > & {
    role_slug?: string;
  },
): DirectoryUser {
  const current = world.require(world.directoryUsers, 'Directory user', id);
  const user: DirectoryUser = { ...current };
  if (patch.first_name !== undefined) user.first_name = patch.first_name;
  if (patch.last_name !== undefined) user.last_name = patch.last_name;
  if (patch.job_title !== undefined) user.job_title = patch.job_title;
  if (patch.custom_attributes !== undefined) user.custom_attributes = patch.custom_attributes;
  if (patch.role_slug !== undefined) user.role = { slug: patch.role_slug };
  if (patch.state !== undefined) {
    if (!['active', 'suspended', 'inactive'].includes(patch.state)) throw ApiError.invalid('state');
    user.state = patch.state;
  }
  user.updated_at = world.isoNow();
  world.directoryUsers.put(user);
  world.emit('dsync.user.updated', user, user.organization_id);
  return user;
}

export function deleteDirectoryUser(world: World, id: string): DirectoryUser {
  const user = world.require(world.directoryUsers, 'Directory user', id);
  for (const groupId of [...(world.groupsOfUser.get(id) ?? [])])
    removeUserFromGroup(world, groupId, id);
  world.groupsOfUser.delete(id);
  world.directoryUsers.delete(id);
  world.emit('dsync.user.deleted', { ...user, state: 'inactive' }, user.organization_id);
  return user;
}

export function createDirectoryGroup(
  world: World,
  input: { directory_id: string; name: string },
): DirectoryGroup {
  const directory = world.require(world.directories, 'Directory', input.directory_id);
  if (typeof input.name !== 'string' || input.name === '') throw ApiError.invalid('name');
  const now = world.isoNow();
  const group: DirectoryGroup = {
    object: 'directory_group',
    id: world.newId('directory_group'),
    idp_id: String(world.random.int(2 ** 31)),
    directory_id: directory.id,
    organization_id: directory.organization_id,
    name: input.name,
    raw_attributes: {},
    created_at: now,
    updated_at: now,
  };
  world.directoryGroups.put(group);
  world.emit('dsync.group.created', group, group.organization_id);
  return group;
}

export function updateDirectoryGroup(
  world: World,
  id: string,
  patch: { name?: string },
): DirectoryGroup {
  const current = world.require(world.directoryGroups, 'Directory group', id);
  const group: DirectoryGroup = {
    ...current,
    ...(patch.name ? { name: patch.name } : {}),
    updated_at: world.isoNow(),
  };
  world.directoryGroups.put(group);
  world.emit('dsync.group.updated', group, group.organization_id);
  return group;
}

export function deleteDirectoryGroup(world: World, id: string): DirectoryGroup {
  const group = world.require(world.directoryGroups, 'Directory group', id);
  for (const userId of [...(world.usersOfGroup.get(id) ?? [])])
    removeUserFromGroup(world, id, userId);
  world.usersOfGroup.delete(id);
  world.directoryGroups.delete(id);
  world.emit('dsync.group.deleted', group, group.organization_id);
  return group;
}

export function addUserToGroup(world: World, groupId: string, userId: string): void {
  const group = world.require(world.directoryGroups, 'Directory group', groupId);
  const user = world.require(world.directoryUsers, 'Directory user', userId);
  if (group.directory_id !== user.directory_id)
    throw ApiError.invalid('user', 'directory_mismatch');
  const members = world.usersOfGroup.get(groupId) ?? new Set<string>();
  if (members.has(userId)) return;
  members.add(userId);
  world.usersOfGroup.set(groupId, members);
  const groups = world.groupsOfUser.get(userId) ?? new Set<string>();
  groups.add(groupId);
  world.groupsOfUser.set(userId, groups);
  world.emit(
    'dsync.group.user_added',
    { directory_id: group.directory_id, user, group },
    group.organization_id,
  );
}

export function removeUserFromGroup(world: World, groupId: string, userId: string): void {
  const group = world.require(world.directoryGroups, 'Directory group', groupId);
  const user = world.require(world.directoryUsers, 'Directory user', userId);
  if (!world.usersOfGroup.get(groupId)?.has(userId)) return;
  world.usersOfGroup.get(groupId)?.delete(userId);
  world.groupsOfUser.get(userId)?.delete(groupId);
  world.emit(
    'dsync.group.user_removed',
    { directory_id: group.directory_id, user, group },
    group.organization_id,
  );
}
