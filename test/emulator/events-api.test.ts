import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';

let emu: RunningEmulator;
const request = async (path: string, init: RequestInit = {}) => {
  const response = await fetch(new URL(path, emu.url), {
    ...init,
    headers: { authorization: `Bearer ${emu.apiKey}`, ...(init.headers ?? {}) },
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? JSON.parse(text) : null,
  };
};
const get = (path: string) => request(path);

async function readAll(query: string): Promise<any[]> {
  const out: any[] = [];
  let after = '';
  for (let guard = 0; guard < 10_000; guard++) {
    const { status, body } = await get(
      `/events?order=asc&limit=100${query}${after ? `&after=${after}` : ''}`,
    );
    expect(status).toBe(200);
    out.push(...body.data);
    if (!body.list_metadata.after) return out;
    after = body.list_metadata.after;
  }
  throw new Error('paging did not end');
}

beforeAll(async () => {
  emu = await startEmulator({ seed: 7, events: 3000, days: 10 });
});
afterAll(() => emu.close());

describe('GET /events', () => {
  it('pages the whole stream once, in ascending order, ending with after = null', async () => {
    const events = await readAll('');
    expect(events).toHaveLength(3000);
    expect(new Set(events.map((e) => e.id)).size).toBe(3000);
    const ids = events.map((e) => e.id);
    expect([...ids].sort()).toEqual(ids);
    const times = events.map((e) => Date.parse(e.created_at));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]!);
    expect(times[0]).toBeGreaterThan(Date.now() - 10 * 86_400_000 - 60_000);
  });

  it('defaults to limit 10 and descending order, as the spec says', async () => {
    const { body } = await get('/events');
    expect(body.data).toHaveLength(10);
    expect(body.data[0].id > body.data[9].id).toBe(true);
  });

  it('desc order with after walks to older events', async () => {
    const first = (await get('/events?order=desc&limit=5')).body;
    const second = (await get(`/events?order=desc&limit=5&after=${first.list_metadata.after}`))
      .body;
    expect(second.data[0].id < first.data[4].id).toBe(true);
  });

  it('accepts the three spellings of the events filter', async () => {
    const types = ['user.created', 'organization.created'];
    const comma = await readAll(`&events=${types.join(',')}`);
    const repeated = await readAll(types.map((t) => `&events=${t}`).join(''));
    const brackets = await readAll(types.map((t) => `&events[]=${t}`).join(''));
    expect(comma.length).toBeGreaterThan(10);
    expect(comma.every((e) => types.includes(e.event))).toBe(true);
    expect(repeated.map((e) => e.id)).toEqual(comma.map((e) => e.id));
    expect(brackets.map((e) => e.id)).toEqual(comma.map((e) => e.id));
    const all = await readAll('');
    expect(comma.length).toBe(all.filter((e) => types.includes(e.event)).length);
  });

  it('rejects an unknown event type with 422', async () => {
    const { status, body } = await get('/events?events=user.exploded');
    expect(status).toBe(422);
    expect(body.errors[0].field).toBe('events');
  });

  it('filters by organization; user events belong to no organization', async () => {
    const all = await readAll('');
    const orgEvent = all.find((e) => e.event === 'organization_membership.created')!;
    const orgId = orgEvent.data.organization_id;
    const events = await readAll(`&organization_id=${orgId}`);
    expect(events.length).toBeGreaterThan(0);
    expect(events.some((e) => e.event.startsWith('user.'))).toBe(false);
    for (const e of events) {
      const owner =
        e.data.organization_id ??
        e.data.organization_domain?.organization_id ??
        e.data.group?.organization_id ??
        e.data.id;
      expect(owner).toBe(orgId);
    }
  });

  it('range_start and range_end select by created_at; later pages page with after + range_end', async () => {
    const all = await readAll('');
    const a = all[1000]!.created_at;
    const b = all[2000]!.created_at;
    // range_start cannot go with after, so a ranged reader starts with range_start and then
    // continues with after, keeping range_end.
    const ranged: any[] = [];
    let page = (await get(`/events?order=asc&limit=100&range_start=${a}&range_end=${b}`)).body;
    ranged.push(...page.data);
    while (page.list_metadata.after) {
      page = (
        await get(`/events?order=asc&limit=100&range_end=${b}&after=${page.list_metadata.after}`)
      ).body;
      ranged.push(...page.data);
    }
    const expected = all.filter((e) => e.created_at >= a && e.created_at <= b);
    expect(ranged.map((e) => e.id)).toEqual(expected.map((e) => e.id));
  });

  it('refuses range_start together with after (422), and bad dates, limits and orders', async () => {
    const all = (await get('/events?order=asc&limit=1')).body.data;
    for (const query of [
      `range_start=2026-01-01T00:00:00Z&after=${all[0].id}`,
      'range_start=yesterday',
      'limit=0',
      'limit=101',
      'limit=ten',
      'order=sideways',
    ]) {
      const { status, body } = await get(`/events?${query}`);
      expect(status, query).toBe(422);
      expect(body.message, query).toBeTypeOf('string');
      expect(body.errors[0].field, query).toBeTypeOf('string');
    }
  });

  it('answers 400 for an organization that does not exist', async () => {
    const { status, body } = await get('/events?organization_id=org_01DOESNOTEXIST000000000000');
    expect(status).toBe(400);
    expect(body.message).toContain('org_01DOESNOTEXIST000000000000');
  });

  it('answers 401 without a valid key, on every WorkOS route', async () => {
    for (const path of ['/events', '/user_management/users', '/organizations']) {
      const none = await fetch(new URL(path, emu.url));
      expect(none.status).toBe(401);
      const wrong = await fetch(new URL(path, emu.url), {
        headers: { authorization: 'Bearer sk_test_wrong' },
      });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('content-type')).toBe('application/json; charset=utf-8');
    }
  });

  it('sends JSON with charset and an X-Request-ID on every answer, errors included', async () => {
    for (const path of [
      '/events',
      '/events?limit=0',
      '/nowhere',
      '/organizations/org_missing',
      '/_emulator/status',
    ]) {
      const r = await fetch(new URL(path, emu.url), {
        headers: { authorization: `Bearer ${emu.apiKey}` },
      });
      expect(r.headers.get('content-type'), path).toBe('application/json; charset=utf-8');
      expect(r.headers.get('x-request-id'), path).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('settle delay', () => {
  it('hides a new event for settleMs, then shows it', async () => {
    const settled = await startEmulator({ seed: 3, events: 50, settleMs: 400 });
    try {
      const read = async () => {
        const r = await fetch(`${settled.url}/events?order=asc&limit=100`, {
          headers: { authorization: `Bearer ${settled.apiKey}` },
        });
        return ((await r.json()) as any).data as any[];
      };
      await new Promise((r) => setTimeout(r, 450));
      expect(await read()).toHaveLength(50);
      await fetch(`${settled.url}/_emulator/changes`, {
        method: 'POST',
        body: JSON.stringify({ op: 'user.create', email: 'late@example.com' }),
      });
      expect(await read()).toHaveLength(50);
      await new Promise((r) => setTimeout(r, 450));
      const after = await read();
      expect(after).toHaveLength(51);
      expect(after[50].data.email).toBe('late@example.com');
    } finally {
      await settled.close();
    }
  });
});

describe('changing state', () => {
  it('the admin API applies IdP-side changes and each appends its event', async () => {
    const change = (body: object) =>
      request('/_emulator/changes', { method: 'POST', body: JSON.stringify(body) });
    const org = (
      await change({ op: 'organization.create', name: 'Admin Test', domains: ['admintest.dev'] })
    ).body.result;
    const dir = (await change({ op: 'directory.activate', organization_id: org.id })).body.result;
    const user = (
      await change({ op: 'directory_user.create', directory_id: dir.id, email: 'a@admintest.dev' })
    ).body.result;
    const group = (
      await change({ op: 'directory_group.create', directory_id: dir.id, name: 'Admins' })
    ).body.result;
    await change({ op: 'directory_group.add_user', group_id: group.id, user_id: user.id });
    const members = await get(`/directory_users?group=${group.id}`);
    expect(members.body.data.map((u: any) => u.id)).toEqual([user.id]);
    const events = await readAll(`&organization_id=${org.id}`);
    expect(events.map((e) => e.event)).toEqual([
      'organization.created',
      'organization_domain.created',
      'organization.updated',
      'dsync.activated',
      'dsync.user.created',
      'dsync.group.created',
      'dsync.group.user_added',
    ]);
    const unknown = await change({ op: 'user.explode' });
    expect(unknown.status).toBe(422);
    const missing = await change({ op: 'user.delete', id: 'user_nope' });
    expect(missing.status).toBe(404);
  });

  it('deleting an organization removes its memberships, each with an event', async () => {
    const w = emu.emulator.world;
    const org = [...w.organizations.values()].find(
      (o) => w.memberships.where('organization', o.id).length > 1,
    )!;
    const count = w.memberships.where('organization', org.id).length;
    const before = w.events.length;
    const r = await request(`/organizations/${org.id}`, { method: 'DELETE' });
    expect(r.status).toBe(200);
    expect(w.memberships.where('organization', org.id)).toHaveLength(0);
    const emitted = [];
    for (let i = before; i < w.events.length; i++) emitted.push(w.events.at(i)!.type);
    expect(emitted.filter((t) => t === 'organization_membership.deleted')).toHaveLength(count);
    expect(emitted[emitted.length - 1]).toBe('organization.deleted');
    expect((await get(`/organizations/${org.id}`)).status).toBe(404);
  });
});
