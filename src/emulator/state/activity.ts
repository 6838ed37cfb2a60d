import type { World } from './world.js';

/** Activity events: things that happened to a user, with no object to keep current. */
export const ACTIVITY_TYPES = [
  'session.created',
  'session.revoked',
  'authentication.password_succeeded',
  'authentication.password_failed',
  'email_verification.created',
  'magic_auth.created',
  'password_reset.created',
] as const;

export type ActivityType = (typeof ACTIVITY_TYPES)[number];

const USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';

export function recordActivity(
  world: World,
  input: { type: ActivityType; user_id: string; organization_id?: string | null },
): void {
  const user = world.require(world.users, 'User', input.user_id);
  const ms = world.now();
  const now = new Date(ms).toISOString();
  const expires = new Date(ms + 3600_000).toISOString();
  const ip = `203.0.113.${1 + world.random.int(250)}`;
  const organizationId = input.organization_id ?? null;
  // A sign-in stamps the user's last_sign_in_at (at its event's time) without a user event or
  // a new updated_at, as WorkOS does: a consumer must take it from these events or a listing.
  const emit = (type: string, data: unknown) => {
    const stored = world.emit(type, data, organizationId);
    if (type === 'session.created' || type === 'authentication.password_succeeded')
      world.users.put({ ...user, last_sign_in_at: new Date(stored.createdAtMs).toISOString() });
  };
  switch (input.type) {
    case 'session.created':
    case 'session.revoked': {
      const revoked = input.type === 'session.revoked';
      const session = {
        object: 'session',
        id: world.newId('session'),
        user_id: user.id,
        ...(organizationId ? { organization_id: organizationId } : {}),
        ip_address: ip,
        user_agent: USER_AGENT,
        auth_method: 'password',
        status: revoked ? 'revoked' : 'active',
        expires_at: expires,
        ended_at: revoked ? now : null,
        created_at: now,
        updated_at: now,
      };
      emit(input.type, session);
      return;
    }
    case 'authentication.password_succeeded':
    case 'authentication.password_failed': {
      const failed = input.type === 'authentication.password_failed';
      const data = {
        type: 'password',
        status: failed ? 'failed' : 'succeeded',
        ip_address: ip,
        user_agent: USER_AGENT,
        user_id: user.id,
        email: user.email,
        ...(failed
          ? { error: { code: 'invalid_credentials', message: 'Invalid credentials.' } }
          : {}),
      };
      emit(input.type, data);
      return;
    }
    case 'email_verification.created':
    case 'magic_auth.created': {
      const object = input.type === 'magic_auth.created' ? 'magic_auth' : 'email_verification';
      const data = {
        object,
        id: world.newId(object),
        user_id: user.id,
        email: user.email,
        expires_at: expires,
        created_at: now,
        updated_at: now,
      };
      emit(input.type, data);
      return;
    }
    case 'password_reset.created': {
      const data = {
        object: 'password_reset',
        id: world.newId('password_reset'),
        user_id: user.id,
        email: user.email,
        expires_at: expires,
        created_at: now,
      };
      emit(input.type, data);
      return;
    }
  }
}
