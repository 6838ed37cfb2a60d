import { ManagementClient, type Management } from 'auth0';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuth0Emulator, type RunningAuth0Emulator } from '../../src/emulator/auth0/server.js';
import type { Auth0Organization, Auth0Role, Auth0User } from '../../src/emulator/auth0/tenant.js';
import { requestToken } from '../helpers/auth0-truth.js';

// The emulator's objects are what the official SDK's types say the API returns (checked by tsc).
const asSdkUser = (u: Auth0User): Management.UserResponseSchema => u;
const asSdkOrganization = (o: Auth0Organization): Management.Organization => o;
const asSdkRole = (r: Auth0Role): Management.Role => r;

/** The official SDK, unchanged, pointed at the emulator through its `fetch` option. */
function sdkClient(emu: RunningAuth0Emulator): ManagementClient {
  return new ManagementClient({
    domain: 'tenant.example',
    clientId: emu.clientId,
    clientSecret: emu.clientSecret,
    maxRetries: 0,
    fetch: (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input).replace(
        'https://tenant.example',
        emu.url,
      );
      return fetch(url, init);
    },
  });
}

describe('the Auth0 emulator, through the official auth0 SDK (v7)', () => {
  let emu: RunningAuth0Emulator;
  let mc: ManagementClient;
  beforeAll(async () => {
    emu = await startAuth0Emulator({ seed: 'sdk' });
    mc = sdkClient(emu);
  });
  afterAll(() => emu.close());

  it('writes users, organizations, members and roles, and logs each write as the real API does', async () => {
    const created = await mc.users.create({
      connection: 'Username-Password-Authentication',
      email: 'Ada@Example.com',
      password: 'a long passphrase',
      name: 'Ada Lovelace',
    });
    expect(created.user_id).toMatch(/^auth0\|[0-9a-f]{24}$/);
    expect(created.email).toBe('ada@example.com');
    const updated = await mc.users.update(created.user_id!, { user_metadata: { plan: 'pro' } });
    expect(updated.user_metadata).toEqual({ plan: 'pro' });
    const org = await mc.organizations.create({ name: 'acme', display_name: 'Acme' });
    const role = await mc.roles.create({ name: 'admin', description: 'Admins' });
    await mc.organizations.members.create(org.id!, { members: [created.user_id!] });
    await mc.organizations.members.roles.assign(org.id!, created.user_id!, { roles: [role.id!] });

    // Read back through the SDK.
    const members = await mc.organizations.members.list(org.id!, { fields: 'roles' } as never);
    expect(members.data.map((m) => m.user_id)).toEqual([created.user_id]);
    const memberRoles = await mc.organizations.members.roles.list(org.id!, created.user_id!);
    expect(memberRoles.data.map((r) => r.name)).toEqual(['admin']);

    // Checkpoint logs (the SDK has no from/take: passed as query parameters, as verified).
    const page = await mc.logs.list({}, { queryParams: { from: '0', take: 100 } });
    const logs = page.response as unknown as Management.Log[];
    expect(page.rawResponse.headers.get('link')).toMatch(
      /<http:\/\/.+\/api\/v2\/logs\?from=900\d{53}&take=100>; rel="next"/,
    );
    expect(logs.map((l) => [l.type, l.description])).toEqual([
      ['sapi', 'Create a User'],
      ['ss', ''],
      ['sapi', 'Update a User'],
      ['sapi', 'Create an Organization'],
      ['sapi', 'Create a role'],
      ['sapi', 'Add members to an organization'],
      ['sapi', 'Assign user roles to an Organization member'],
    ]);
    for (const log of logs) {
      expect(log.log_id).toMatch(/^900\d{53}$/);
      expect(log._id).toBe(log.log_id);
    }
    const create = logs[0]!.details as {
      request: Record<string, unknown>;
      response: Record<string, unknown>;
    };
    expect(create.request).toMatchObject({ method: 'post', path: '/api/v2/users', channel: 'api' });
    expect((create.request.body as { password: string }).password).toBe('*****');
    expect(create.response).toMatchObject({ statusCode: 201, body: { user_id: created.user_id } });
    expect(logs[0]).toMatchObject({
      user_id: null,
      connection: null,
      organization_id: null,
      client_name: '',
    });
    expect(logs[1]).toMatchObject({
      user_id: created.user_id,
      strategy: 'auth0',
      strategy_type: 'database',
    });
    const assign = logs[6]!.details as { request: { path: string } };
    expect(assign.request.path).toBe(
      `/api/v2/organizations/${org.id}/members/${encodeURIComponent(created.user_id!)}/roles`,
    );
    expect(assign.request.path).toContain('auth0%7C');
    // By id.
    const one = await mc.logs.get(logs[2]!.log_id!);
    expect(one.description).toBe('Update a User');

    // Deleting a user: a sapi log; the membership goes with it.
    await mc.users.delete(created.user_id!);
    const after = await mc.organizations.members.list(org.id!);
    expect(after.data).toEqual([]);
    const state = emu.emulator.tenant;
    expect([...state.users.values()].map(asSdkUser)).toEqual([]);
    expect([...state.organizations.values()].map(asSdkOrganization)).toHaveLength(1);
    expect([...state.roles.values()].map(asSdkRole)).toHaveLength(1);
  });

  it('pages users with include_totals and refuses past the 1,000-result cap', async () => {
    for (let i = 0; i < 7; i++)
      await mc.users.create({
        connection: 'Username-Password-Authentication',
        email: `u${i}@example.com`,
        password: 'pw pw pw pw',
      });
    const seen: string[] = [];
    let page = await mc.users.list({ per_page: 3, include_totals: true });
    seen.push(...page.data.map((u) => u.user_id!));
    while (page.hasNextPage()) {
      page = await page.getNextPage();
      seen.push(...page.data.map((u) => u.user_id!));
    }
    expect(new Set(seen).size).toBe(7);
    await expect(mc.users.list({ page: 10, per_page: 100 })).rejects.toMatchObject({
      statusCode: 400,
    });
  });

  it('tokens: scope errors and expiry as Auth0 words them', async () => {
    const token = await fetch(`${emu.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: emu.clientId,
        client_secret: emu.clientSecret,
        audience: 'https://tenant.example/api/v2/',
        scope: 'read:users',
      }),
    });
    const { access_token, expires_in, scope, token_type } = (await token.json()) as Record<
      string,
      string
    >;
    expect({ expires_in, scope, token_type }).toEqual({
      expires_in: 86400,
      scope: 'read:users',
      token_type: 'Bearer',
    });
    const logs = await fetch(`${emu.url}/api/v2/logs?from=0&take=1`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect(logs.status).toBe(403);
    expect(await logs.json()).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message: 'Insufficient scope, expected any of: read:logs,read:logs_users',
      errorCode: 'insufficient_scope',
    });
    const wrong = await requestToken(emu, 'nope');
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({
      error: 'access_denied',
      error_description: 'Unauthorized',
    });
    emu.emulator.tokens.expireAll();
    const expired = await fetch(`${emu.url}/api/v2/users`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect(expired.status).toBe(401);
    // The SDK fetches a new token only when its own clock says so: a fresh client works.
    const users = await sdkClient(emu).users.list();
    expect(users.data.length).toBeGreaterThan(0);
  });
});
