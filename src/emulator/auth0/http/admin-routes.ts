import type { Hono } from 'hono';
import type { Auth0Emulator } from '../emulator.js';
import { Auth0Error } from '../errors.js';
import type { EventStreamSettings } from '../event-streams.js';

type Args = Record<string, unknown>;
const str = (a: Args, k: string): string => {
  if (typeof a[k] !== 'string') throw Auth0Error.badRequest(`${k} is required`);
  return a[k];
};

/** Changes outside the Management API, for tests and the demo: each writes its own log type, no sapi. */
const CHANGES: Record<string, (e: Auth0Emulator, a: Args) => unknown> = {
  signup: (e, a) => e.tenant.signup({ email: str(a, 'email'), name: a.name as string | undefined }),
  login: (e, a) => e.tenant.login(str(a, 'user_id')),
  change_email: (e, a) => e.tenant.changeEmail(str(a, 'user_id'), str(a, 'email')),
  scim_create: (e, a) =>
    e.tenant.scim('create', { email: str(a, 'email'), name: a.name as string | undefined }),
  scim_update: (e, a) =>
    e.tenant.scim('update', { userId: str(a, 'user_id'), name: a.name as string | undefined }),
  scim_delete: (e, a) => e.tenant.scim('delete', { userId: str(a, 'user_id') }),
  import: (e, a) => e.tenant.importUsers((a.users as { email: string }[]) ?? []),
  accept_invitation: (e, a) =>
    e.tenant.acceptInvitation(str(a, 'organization_id'), str(a, 'user_id')),
  generate: (e, a) => e.generateNow(Number(a.count ?? 1)),
};

/** `/_emulator/`: the tenant's state, changes from outside the API, faults, token expiry. */
export function mountAdmin(app: Hono, emulator: Auth0Emulator): void {
  const t = emulator.tenant;
  app.get('/_emulator/state', (c) =>
    c.json({
      users: [...t.users.values()],
      organizations: [...t.organizations.values()],
      members: [...t.members.entries()].flatMap(([organization_id, members]) =>
        [...members.entries()].map(([user_id, roles]) => ({
          organization_id,
          user_id,
          roles: [...roles],
        })),
      ),
      roles: [...t.roles.values()],
      logs: { visible: t.logs.visible(emulator.clock()).length, pending: t.logs.pendingCount },
    }),
  );
  app.post('/_emulator/changes', async (c) => {
    const args = (await c.req.json().catch(() => null)) as Args | null;
    const change = args && typeof args.op === 'string' ? CHANGES[args.op] : undefined;
    if (!args || !change)
      return c.json({ message: `op must be one of ${Object.keys(CHANGES).join(', ')}` }, 400);
    return c.json({ result: change(emulator, args) ?? null });
  });
  app.put('/_emulator/faults', async (c) => {
    try {
      return c.json(emulator.faults.update(await c.req.json()));
    } catch (error) {
      return c.json({ message: (error as Error).message }, 400);
    }
  });
  app.put('/_emulator/event-stream', async (c) => {
    const settings = (await c.req.json().catch(() => null)) as EventStreamSettings | null;
    if (!settings || typeof settings.url !== 'string' || typeof settings.authorization !== 'object')
      return c.json(
        { message: 'give url and authorization ({method: bearer|basic|custom_header, ...})' },
        400,
      );
    return c.json({ id: emulator.configureEventStream(settings).id });
  });
  app.get('/_emulator/event-stream/deliveries', (c) =>
    c.json([...(emulator.eventStream?.deliveries.values() ?? [])]),
  );
  app.post('/_emulator/tokens/expire', (c) => {
    emulator.tokens.expireAll();
    return c.json({ expired: true });
  });
}
