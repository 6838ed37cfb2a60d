import { deleteMembership } from './memberships.js';
import type { User } from './types.js';
import { ApiError, type World } from './world.js';

export interface UserInput {
  email: string;
  first_name?: string | null;
  last_name?: string | null;
  email_verified?: boolean | null;
  external_id?: string | null;
  metadata?: Record<string, string> | null;
  locale?: string | null;
  profile_picture_url?: string | null;
}

export function createUser(world: World, input: UserInput): User {
  if (typeof input.email !== 'string' || !input.email.includes('@'))
    throw ApiError.invalid('email');
  if (world.users.where('email', input.email.toLowerCase()).length > 0) {
    throw new ApiError(422, {
      code: 'user_creation_error',
      message: 'Could not create user.',
      errors: [{ code: 'email_not_available', message: 'This email is not available.' }],
    });
  }
  const now = world.isoNow();
  const user: User = {
    object: 'user',
    id: world.newId('user'),
    email: input.email,
    email_verified: input.email_verified ?? false,
    first_name: input.first_name ?? null,
    last_name: input.last_name ?? null,
    profile_picture_url: input.profile_picture_url ?? null,
    external_id: input.external_id ?? null,
    metadata: input.metadata ?? {},
    last_sign_in_at: null,
    locale: input.locale ?? null,
    created_at: now,
    updated_at: now,
  };
  world.users.put(user);
  world.emit('user.created', user, null);
  return user;
}

export function updateUser(
  world: World,
  id: string,
  patch: Partial<UserInput> & { last_sign_in_at?: string },
): User {
  const current = world.require(world.users, 'User', id);
  const user: User = { ...current };
  for (const key of [
    'email',
    'first_name',
    'last_name',
    'email_verified',
    'external_id',
    'metadata',
    'locale',
    'profile_picture_url',
    'last_sign_in_at',
  ] as const) {
    if (patch[key] !== undefined) (user as unknown as Record<string, unknown>)[key] = patch[key];
  }
  if (user.metadata === null) user.metadata = {};
  user.updated_at = world.isoNow();
  world.users.put(user);
  world.emit('user.updated', user, null);
  return user;
}

/**
 * Deletes the user; its memberships go first, each with its own event (WorkOS cascades; whether
 * it emits one event per membership is unconfirmed, so consumers should cascade too).
 * Deleted events carry the object as it last was.
 */
export function deleteUser(world: World, id: string): User {
  const user = world.require(world.users, 'User', id);
  for (const membership of world.memberships.where('user', id))
    deleteMembership(world, membership.id);
  world.users.delete(id);
  world.emit('user.deleted', user, null);
  return user;
}
