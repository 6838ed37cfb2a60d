import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { startAuth0Emulator, type RunningAuth0Emulator } from '../../src/emulator/auth0/server.js';
import { requestToken } from '../helpers/auth0-truth.js';

const running: RunningAuth0Emulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

async function tenant(options: Parameters<typeof startAuth0Emulator>[0] = {}) {
  const emu = await startAuth0Emulator({ seed: 'api', ...options });
  running.push(emu);
  const r = await requestToken(emu);
  const { access_token } = (await r.json()) as { access_token: string };
  const get = async (path: string) => {
    const res = await fetch(`${emu.url}${path}`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as any };
  };
  return { emu, get };
}

/** Follows `Link: <…>; rel="next"` from `from` to the head; returns every log and the head link. */
async function readLogs(get: Awaited<ReturnType<typeof tenant>>['get'], from = '0', take = 100) {
  const logs: any[] = [];
  let path = `/api/v2/logs?from=${from}&take=${take}`;
  for (;;) {
    const page = await get(path);
    expect(page.status).toBe(200);
    const next = /<https?:\/\/[^/]+([^>]+)>; rel="next"/.exec(page.headers.get('link') ?? '')![1]!;
    logs.push(...page.body);
    if (page.body.length === 0) {
      // At the head: [] and a next link equal to the request.
      expect(next).toBe(path);
      return { logs, head: path };
    }
    path = next;
  }
}

describe('the Auth0 emulator on the wire', () => {
  it('checkpoint logs: ascending 56-digit ids, date not monotonic in id order, late logs never skipped', async () => {
    const { emu, get } = await tenant({
      changes: 600,
      hours: 0.1,
      indexingDelayMs: 50,
      indexingJitterMs: 2000,
    });
    const first = await readLogs(get);
    const ids = first.logs.map((l) => l.log_id);
    expect(ids.every((id: string) => /^900\d{53}$/.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    const outOfOrder = first.logs.filter((l, i) => i > 0 && l.date < first.logs[i - 1].date).length;
    expect(outOfOrder).toBeGreaterThan(10);
    // Changes made now become visible late, each after a random delay: polling from the head
    // finds every one exactly once.
    emu.emulator.generateNow(200);
    const pendingNow = emu.emulator.tenant.logs.pendingCount;
    expect(pendingNow).toBeGreaterThan(0);
    const seen = new Set(ids);
    let head = first.head;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const page = await get(head);
      for (const l of page.body) {
        expect(seen.has(l.log_id)).toBe(false);
        seen.add(l.log_id);
      }
      head = /<https?:\/\/[^/]+([^>]+)>/.exec(page.headers.get('link')!)![1]!;
      if (page.body.length > 0) continue;
      if (emu.emulator.tenant.logs.pendingCount === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(seen.size).toBe(emu.emulator.tenant.logs.indexed.length);
  });

  it('search mode: q, sort, include_totals (total is the page length), the 1,000 cap; one log by id', async () => {
    const { get } = await tenant({ changes: 300 });
    const sapi = await get('/api/v2/logs?q=type%3A%22sapi%22&per_page=100&include_totals=true');
    expect(sapi.body.logs.length).toBeGreaterThan(0);
    expect(sapi.body.logs.every((l: any) => l.type === 'sapi')).toBe(true);
    expect(sapi.body.total).toBe(sapi.body.logs.length);
    const newest = await get('/api/v2/logs?per_page=5');
    expect(newest.body.map((l: any) => l.log_id)).toEqual(
      [...newest.body.map((l: any) => l.log_id)].sort().reverse(),
    );
    expect((await get('/api/v2/logs?page=10&per_page=100')).status).toBe(400);
    const one = await get(`/api/v2/logs/${newest.body[0].log_id}`);
    expect(one.body.log_id).toBe(newest.body[0].log_id);
    expect((await get('/api/v2/logs/900000')).body).toMatchObject({
      statusCode: 404,
      message: 'Log not found.',
    });
  });

  it('organizations and members page by checkpoint: opaque next, absent on the last organizations page; members end with an empty page', async () => {
    const { emu, get } = await tenant({ changes: 500 });
    const orgs: any[] = [];
    let path = '/api/v2/organizations?take=7';
    for (;;) {
      const page = await get(path);
      orgs.push(...page.body.organizations);
      if (!page.body.next) break;
      expect(page.body.organizations).toHaveLength(7);
      path = `/api/v2/organizations?take=7&from=${page.body.next}`;
    }
    expect(orgs.map((o) => o.id).sort()).toEqual(
      [...emu.emulator.tenant.organizations.keys()].sort(),
    );
    expect(orgs.every((o) => !('created_at' in o) && !('updated_at' in o))).toBe(true);
    const biggest = [...emu.emulator.tenant.members.entries()].sort(
      (a, b) => b[1].size - a[1].size,
    )[0]!;
    const members: any[] = [];
    let mpath = `/api/v2/organizations/${biggest[0]}/members?take=2&fields=roles`;
    let pages = 0;
    for (;;) {
      const page = await get(mpath);
      pages++;
      members.push(...page.body.members);
      if (!page.body.next) {
        expect(page.body.members).toEqual([]);
        break;
      }
      mpath = `/api/v2/organizations/${biggest[0]}/members?take=2&fields=roles&from=${page.body.next}`;
    }
    expect(members.map((m) => m.user_id).sort()).toEqual([...biggest[1].keys()].sort());
    expect(pages).toBe(Math.ceil(biggest[1].size / 2) + 1);
    expect(members.every((m) => Array.isArray(m.roles))).toBe(true);
    expect((await get('/api/v2/organizations?take=5&from=garbage')).status).toBe(400);
  });

  it('rate limits as Auth0 applies them: lower-case headers on every answer, the real 429 body', async () => {
    const { get } = await tenant({ changes: 50, rateLimits: 'self-service' });
    const answers = [];
    for (let i = 0; i < 12; i++) answers.push(await get('/api/v2/logs?from=0&take=10'));
    expect(answers[0]!.headers.get('x-ratelimit-limit')).toBe('10');
    expect(Number(answers[0]!.headers.get('x-ratelimit-reset'))).toBeGreaterThan(
      Date.now() / 1000 - 1,
    );
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(1);
    expect(limited[0]!.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'Global limit has been reached',
      errorCode: 'too_many_requests',
    });
    expect(limited[0]!.headers.get('x-ratelimit-remaining')).toBe('0');
    // Another endpoint group has its own bucket.
    expect((await get('/api/v2/users?per_page=1')).status).toBe(200);
  });

  it('the user export job serves every user as gzipped NDJSON, past the 1,000 a list can page', async () => {
    const { emu, get } = await tenant({ changes: 10 });
    emu.emulator.tenant.importUsers(
      Array.from({ length: 1100 }, (_, i) => ({ email: `bulk${i}@example.com` })),
    );
    expect((await get('/api/v2/users?page=10&per_page=100')).status).toBe(400);
    const token = (await (
      await fetch(`${emu.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'client_credentials',
          client_id: emu.clientId,
          client_secret: emu.clientSecret,
          audience: 'https://x/api/v2/',
        }),
      })
    ).json()) as { access_token: string };
    const job = await fetch(`${emu.url}/api/v2/jobs/users-exports`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token.access_token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ format: 'json' }),
    });
    const created = (await job.json()) as { id: string; status: string };
    expect(created.status).toBe('pending');
    const done = await get(`/api/v2/jobs/${created.id}`);
    expect(done.body.status).toBe('completed');
    expect(done.body.location).toMatch(/\.json\.gz\?expires=\d+$/);
    // The link is valid for 60 s.
    const expired = new URL(done.body.location);
    expired.searchParams.set('expires', String(Date.now() - 1));
    expect((await fetch(expired)).status).toBe(403);
    const file = Buffer.from(await (await fetch(done.body.location)).arrayBuffer());
    const lines = gunzipSync(file).toString('utf8').trim().split('\n');
    expect(lines.length).toBe(emu.emulator.tenant.users.size);
    expect(JSON.parse(lines[0]!).user_id).toMatch(/^auth0\|/);
    // Without `fields`, a predefined few: no metadata.
    for (const line of lines)
      expect(['user_id', 'email', 'name', 'created_at', 'updated_at']).toEqual(
        expect.arrayContaining(Object.keys(JSON.parse(line))),
      );
  });
});

describe('the Auth0 emulator: eventually consistent lists (searchLagMs)', () => {
  it('a new user reaches the users list only after the lag (by id at once); a removed member leaves its members list only after it', async () => {
    const { emu, get } = await tenant({ changes: 200, searchLagMs: 400 });
    const signup = await fetch(`${emu.url}/_emulator/changes`, {
      method: 'POST',
      body: JSON.stringify({ op: 'signup', email: 'late.listed@example.com' }),
    });
    const user = ((await signup.json()) as { result: { user_id: string } }).result;
    const listed = async () =>
      ((await get('/api/v2/users?per_page=100&page=0&sort=created_at:-1')).body as any[]).some(
        (u) => u.user_id === user.user_id,
      );
    expect((await get(`/api/v2/users/${encodeURIComponent(user.user_id)}`)).status).toBe(200);
    expect(await listed()).toBe(false);
    await new Promise((r) => setTimeout(r, 900));
    expect(await listed()).toBe(true);
    // A member removed: still listed until the index catches up.
    const [orgId, members] = [...emu.emulator.tenant.members.entries()].find(([, m]) => m.size)!;
    const userId = [...members.keys()][0]!;
    emu.emulator.tenant.members.get(orgId)!.delete(userId);
    const memberIds = async () =>
      ((await get(`/api/v2/organizations/${orgId}/members?take=100`)).body.members as any[]).map(
        (m) => m.user_id,
      );
    expect(await memberIds()).toContain(userId);
    await new Promise((r) => setTimeout(r, 900));
    expect(await memberIds()).not.toContain(userId);
  });
});

describe('the Auth0 emulator: users are unique by email', () => {
  it('a second user with a taken email is refused (409) until the first changes its email or is deleted, which takes it out of every organization; organization names likewise', async () => {
    const { emu } = await tenant({ changes: 10 });
    const { access_token } = (await (await requestToken(emu)).json()) as { access_token: string };
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${emu.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as any) : null };
    };
    const create = (email: string) =>
      call('POST', '/api/v2/users', {
        connection: 'Username-Password-Authentication',
        email,
        password: 'correct horse battery staple',
      });
    const first = await create('Ada@Example.com');
    expect(first.status).toBe(201);
    const taken = await create('ada@example.com');
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ statusCode: 409, message: 'The user already exists.' });

    const id = encodeURIComponent(first.body.user_id);
    expect((await call('PATCH', `/api/v2/users/${id}`, { email: 'ada@lovelace.org' })).status).toBe(
      200,
    );
    expect((await create('ADA@lovelace.org')).status).toBe(409);
    const second = await create('ada@example.com');
    expect(second.status).toBe(201);

    // A member of two organizations: deleted, the user leaves both member lists.
    const orgs: string[] = [];
    for (const name of ['acme', 'globex']) {
      const org = await call('POST', '/api/v2/organizations', { name });
      expect(org.status).toBe(201);
      orgs.push(org.body.id);
      const members = [first.body.user_id, second.body.user_id];
      expect(
        (await call('POST', `/api/v2/organizations/${org.body.id}/members`, { members })).status,
      ).toBe(204);
    }
    expect((await call('DELETE', `/api/v2/users/${id}`)).status).toBe(204);
    expect((await create('ada@lovelace.org')).status).toBe(201);
    for (const orgId of orgs) {
      const listed = await call('GET', `/api/v2/organizations/${orgId}/members?take=50`);
      expect(listed.body.members.map((m: { user_id: string }) => m.user_id)).toEqual([
        second.body.user_id,
      ]);
    }

    // Organization names are unique too, on creation and on a rename; a name is free again
    // once its organization is renamed or deleted.
    const [acme, globex] = orgs.map((o) => `/api/v2/organizations/${o}`) as [string, string];
    expect((await call('POST', '/api/v2/organizations', { name: 'acme' })).body).toMatchObject({
      statusCode: 409,
      errorCode: 'organization_conflict',
    });
    expect((await call('PATCH', globex, { name: 'acme' })).status).toBe(409);
    expect((await call('PATCH', globex, { name: 'Not Valid!' })).status).toBe(400);
    expect((await call('PATCH', acme, { name: 'acme' })).status).toBe(200);
    expect((await call('PATCH', acme, { name: 'acme-corp' })).status).toBe(200);
    expect((await call('PATCH', globex, { name: 'acme' })).status).toBe(200);
    expect((await call('POST', '/api/v2/organizations', { name: 'globex' })).status).toBe(201);
    expect((await call('DELETE', acme)).status).toBe(204);
    expect((await call('POST', '/api/v2/organizations', { name: 'acme-corp' })).status).toBe(201);

    // A deleted role leaves every member that held it, in every organization.
    const role = (await call('POST', '/api/v2/roles', { name: 'auditor' })).body as { id: string };
    const member = `${globex}/members/${encodeURIComponent(second.body.user_id)}`;
    expect((await call('POST', `${member}/roles`, { roles: [role.id] })).status).toBe(204);
    expect((await call('DELETE', `/api/v2/roles/${role.id}`)).status).toBe(200);
    const listed = await call('GET', `${globex}/members?take=50&fields=roles`);
    expect(JSON.stringify(listed.body)).not.toContain(role.id);
    const t = emu.emulator.tenant;
    for (const members of t.members.values())
      for (const roles of members.values()) expect(roles.has(role.id)).toBe(false);
  });
});
