import { describe, expect, it } from 'vitest';
import { Emulator } from '../../src/emulator/index.js';

const ENDS_AT = Date.parse('2026-06-01T00:00:00Z');

function stream(seed: string | number, events: number, days = 30): string[] {
  const emulator = new Emulator({ seed, events, days, historyEndsAtMs: ENDS_AT });
  const out: string[] = [];
  for (let i = 0; i < emulator.world.events.length; i++)
    out.push(emulator.world.events.at(i)!.json);
  emulator.close();
  return out;
}

describe('scenario generator', () => {
  it('the same seed gives a byte-identical event stream', () => {
    expect(stream(42, 3000)).toEqual(stream(42, 3000));
  });

  it('different seeds give different streams', () => {
    const a = stream(1, 500);
    const b = stream(2, 500);
    expect(a).not.toEqual(b);
    expect(a.map((e) => JSON.parse(e).event)).not.toEqual(b.map((e) => JSON.parse(e).event));
  });

  it('produces exactly N events for many N, spread over the past D days', () => {
    for (const n of [1, 2, 3, 7, 10, 99, 1000, 4321]) {
      const events = stream(`n${n}`, n, 3).map((e) => JSON.parse(e));
      expect(events).toHaveLength(n);
      for (const e of events) {
        const t = Date.parse(e.created_at);
        expect(t).toBeLessThan(ENDS_AT);
        expect(t).toBeGreaterThanOrEqual(ENDS_AT - 3 * 86_400_000);
      }
    }
  });

  it('makes a realistic mix: re-created users, churn, bursts inside one organization', () => {
    const events = stream('mix', 20_000).map((e) => JSON.parse(e));
    const created = new Map<string, number>();
    for (const e of events.filter((x) => x.event === 'user.created'))
      created.set(e.data.email, (created.get(e.data.email) ?? 0) + 1);
    expect([...created.values()].some((n) => n > 1)).toBe(true);
    // A burst: 10 consecutive events of one organization within a few seconds.
    const orgOf = (e: any) =>
      e.data.organization_id ?? (e.event.startsWith('organization.') ? e.data.id : null);
    let burst = false;
    for (let i = 0; i + 10 < events.length && !burst; i++) {
      const org = orgOf(events[i]);
      if (!org) continue;
      const run = events.slice(i, i + 10);
      burst =
        run.every((e) => orgOf(e) === org) &&
        Date.parse(run[9].created_at) - Date.parse(run[0].created_at) < 5000;
    }
    expect(burst).toBe(true);
    const types = new Set(events.map((e) => e.event));
    for (const t of [
      'dsync.group.user_removed',
      'invitation.revoked',
      'connection.deleted',
      'organization.deleted',
      'dsync.deleted',
    ]) {
      expect(types, t).toContain(t);
    }
  });

  it('keeps the emulator state equal to replaying its own stream (no silent changes but the sign-in stamp)', () => {
    const emulator = new Emulator({ seed: 'replay', events: 8000, historyEndsAtMs: ENDS_AT });
    const w = emulator.world;
    const families: Record<string, Iterable<{ id: string }>> = {
      user: w.users.values(),
      organization: w.organizations.values(),
      organization_membership: w.memberships.values(),
      'dsync.user': w.directoryUsers.values(),
      'dsync.group': w.directoryGroups.values(),
    };
    const live = new Map<string, Map<string, string>>(
      Object.keys(families).map((f) => [f, new Map()]),
    );
    for (let i = 0; i < w.events.length; i++) {
      const e = JSON.parse(w.events.at(i)!.json);
      const dot = e.event.lastIndexOf('.');
      // A sign-in stamps last_sign_in_at with no user event (as WorkOS does).
      if (e.event === 'session.created' || e.event === 'authentication.password_succeeded') {
        const users = live.get('user')!;
        const user = users.get(e.data.user_id);
        if (user)
          users.set(
            e.data.user_id,
            JSON.stringify({ ...JSON.parse(user), last_sign_in_at: e.created_at }),
          );
      }
      const rows = live.get(e.event.slice(0, dot));
      if (!rows) continue;
      if (e.event.endsWith('.deleted')) rows.delete(e.data.id);
      else if (!e.event.endsWith('.user_added') && !e.event.endsWith('.user_removed'))
        rows.set(e.data.id, JSON.stringify(e.data));
    }
    // A directory deleted without per-user events takes its users and groups with it.
    const deletedDirectories = new Set<string>();
    for (let i = 0; i < w.events.length; i++) {
      const e = JSON.parse(w.events.at(i)!.json);
      if (e.event === 'dsync.deleted') deletedDirectories.add(e.data.id);
    }
    for (const f of ['dsync.user', 'dsync.group']) {
      for (const [id, json] of live.get(f)!)
        if (deletedDirectories.has(JSON.parse(json).directory_id)) live.get(f)!.delete(id);
    }
    for (const [family, objects] of Object.entries(families)) {
      const rows = live.get(family)!;
      const list = [...objects];
      expect(rows.size, family).toBe(list.length);
      for (const o of list) expect(rows.get(o.id), `${family} ${o.id}`).toBe(JSON.stringify(o));
    }
    emulator.close();
  });
});
