import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startEmulator,
  WORKOS_EVENT_TYPES,
  type RunningEmulator,
} from '../../src/emulator/index.js';
import {
  assertValid,
  componentValidator,
  responseValidator,
  specEventTypes,
} from '../helpers/spec.js';

let emu: RunningEmulator;
const get = async (path: string) => {
  const response = await fetch(new URL(path, emu.url), {
    headers: { authorization: `Bearer ${emu.apiKey}` },
  });
  return {
    status: response.status,
    body: (await response.json()) as any,
    headers: response.headers,
  };
};

async function allEvents(): Promise<any[]> {
  const out: any[] = [];
  let after = '';
  for (;;) {
    const { body } = await get(`/events?order=asc&limit=100${after ? `&after=${after}` : ''}`);
    out.push(...body.data);
    if (!body.list_metadata.after) return out;
    after = body.list_metadata.after;
  }
}

/** Every page of a list endpoint, following `list_metadata.after`. */
async function allPages(path: string): Promise<any[]> {
  const pages: any[] = [];
  let after = '';
  for (;;) {
    const sep = path.includes('?') ? '&' : '?';
    const { status, body } = await get(`${path}${sep}limit=100${after ? `&after=${after}` : ''}`);
    expect(status, path).toBe(200);
    pages.push(body);
    if (!body.list_metadata?.after) return pages;
    after = body.list_metadata.after;
  }
}

beforeAll(async () => {
  emu = await startEmulator({ seed: 'spec', events: 4000, days: 20 });
});
afterAll(() => emu.close());

describe('emulator responses validate against @workos/openapi-spec', () => {
  it('knows exactly the event types the spec defines', () => {
    expect([...WORKOS_EVENT_TYPES].sort()).toEqual(specEventTypes());
  });

  it('every generated event matches EventSchema for its type', async () => {
    const events = await allEvents();
    expect(events).toHaveLength(4000);
    const validate = componentValidator('EventSchema');
    const seenTypes = new Set<string>();
    for (const event of events) {
      assertValid(validate, event, `event ${event.event}`);
      seenTypes.add(event.event);
    }
    // The scenario covers the resource families the sync engine keeps.
    for (const type of [
      'user.created',
      'user.deleted',
      'organization.created',
      'organization_membership.updated',
      'organization_domain.verified',
      'invitation.accepted',
      'dsync.user.created',
      'dsync.group.user_added',
      'connection.activated',
      'connection.deactivated',
      'organization_role.created',
      'session.created',
    ]) {
      expect(seenTypes, type).toContain(type);
    }
  });

  it('GET /events pages match EventList', async () => {
    const validate = responseValidator('get', '/events', 200);
    const { body } = await get('/events?order=asc&limit=100');
    assertValid(validate, body, 'GET /events');
  });

  it('list endpoints match their spec schemas, page after page', async () => {
    const w = emu.emulator.world;
    const org = [...w.organizations.values()].find(
      (o) => w.memberships.where('organization', o.id).length > 0,
    )!;
    const directory = [...w.directories.values()].find(
      (d) => w.directoryUsers.where('directory', d.id).length > 0,
    )!;
    const group = [...w.directoryGroups.values()].find(
      (g) => (w.usersOfGroup.get(g.id)?.size ?? 0) > 0,
    )!;
    const cases: [string, string][] = [
      ['/user_management/users', '/user_management/users'],
      ['/organizations', '/organizations'],
      [
        `/user_management/organization_memberships?organization_id=${org.id}`,
        '/user_management/organization_memberships',
      ],
      ['/user_management/invitations', '/user_management/invitations'],
      ['/connections', '/connections'],
      ['/directories', '/directories'],
      [`/directory_users?directory=${directory.id}`, '/directory_users'],
      [`/directory_users?group=${group.id}`, '/directory_users'],
      [`/directory_groups?directory=${directory.id}`, '/directory_groups'],
    ];
    for (const [path, specPath] of cases) {
      const validate = responseValidator('get', specPath, 200);
      const pages = await allPages(path);
      for (const page of pages) assertValid(validate, page, `GET ${path}`);
      expect(pages.flatMap((p) => p.data).length, path).toBeGreaterThan(0);
    }
    assertValid(
      responseValidator('get', '/authorization/roles', 200),
      (await get('/authorization/roles')).body,
      'roles',
    );
    const orgRoles = await get(`/authorization/organizations/${org.id}/roles`);
    assertValid(
      responseValidator('get', '/authorization/organizations/{organizationId}/roles', 200),
      orgRoles.body,
      'org roles',
    );
  });

  it('get endpoints match their spec schemas', async () => {
    const w = emu.emulator.world;
    const first = <T>(it: Iterable<T>) => it[Symbol.iterator]().next().value as T & { id: string };
    const cases: [string, string][] = [
      [`/user_management/users/${first(w.users.values()).id}`, '/user_management/users/{id}'],
      [`/organizations/${first(w.organizations.values()).id}`, '/organizations/{id}'],
      [`/organization_domains/${first(w.domains.values()).id}`, '/organization_domains/{id}'],
      [
        `/user_management/organization_memberships/${first(w.memberships.values()).id}`,
        '/user_management/organization_memberships/{id}',
      ],
      [
        `/user_management/invitations/${first(w.invitations.values()).id}`,
        '/user_management/invitations/{id}',
      ],
      [`/connections/${first(w.connections.values()).id}`, '/connections/{id}'],
      [`/directories/${first(w.directories.values()).id}`, '/directories/{id}'],
      [`/directory_users/${first(w.directoryUsers.values()).id}`, '/directory_users/{id}'],
      [`/directory_groups/${first(w.directoryGroups.values()).id}`, '/directory_groups/{id}'],
    ];
    for (const [path, specPath] of cases) {
      const { status, body } = await get(path);
      expect(status, path).toBe(200);
      assertValid(responseValidator('get', specPath, 200), body, `GET ${path}`);
    }
  });

  it('error bodies match the spec: 422 for bad parameters, 400 for an unknown organization', async () => {
    const bad = await get('/events?limit=500');
    expect(bad.status).toBe(422);
    assertValid(responseValidator('get', '/events', 422), bad.body, '422');
    const unknown = await get('/events?organization_id=org_01NOTANORGANIZATION0000000');
    expect(unknown.status).toBe(400);
    assertValid(responseValidator('get', '/events', 400), unknown.body, '400');
    const missing = await get('/user_management/users/user_01NOSUCHUSER00000000000000');
    expect(missing.status).toBe(404);
    assertValid(responseValidator('get', '/user_management/users/{id}', 404), missing.body, '404');
  });
});

describe('the spec validator itself', () => {
  it('rejects events that break the spec (so the checks above can fail)', async () => {
    const validate = componentValidator('EventSchema');
    const { body } = await get('/events?order=asc&limit=100&events=user.created');
    const event = body.data[0];
    expect(validate(event)).toBe(true);
    const { email: _email, ...withoutEmail } = event.data;
    expect(validate({ ...event, data: withoutEmail })).toBe(false);
    expect(validate({ ...event, data: { ...event.data, email_verified: 'yes' } })).toBe(false);
    expect(validate({ ...event, created_at: 'yesterday' })).toBe(false);
    const membership = (
      await get('/events?order=asc&limit=1&events=organization_membership.created')
    ).body.data[0];
    expect(validate({ ...membership, data: { ...membership.data, status: 'sleeping' } })).toBe(
      false,
    );
  });
});
