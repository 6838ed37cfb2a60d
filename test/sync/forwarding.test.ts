import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createSync } from '../../src/index.js';
import {
  appEndpoint,
  byLane,
  FORWARD_SECRET as SECRET,
  OTHER_SECRET,
} from '../helpers/app-endpoint.js';
import { serveFor, waitFor } from '../helpers/serve-env.js';
import { emulatorChange, syncFor } from '../helpers/sync-env.js';
import { STORE_KINDS, tempDb } from '../helpers/test-db.js';

/** The emulator's events from index `from` on, as the Events API lists them. */
const eventsFrom = (emu: RunningEmulator, from: number) => {
  const out: { id: string; json: string }[] = [];
  for (let i = from; i < emu.emulator.world.events.length; i++) {
    const e = emu.emulator.world.events.at(i)!;
    out.push({ id: e.id, json: e.json });
  }
  return out;
};

describe('forwarding events to the application (Standard Webhooks)', () => {
  it('signs and posts each new event once, in stream order within its lane; not the first import, not on replay', async () => {
    const emu = await startEmulator({ seed: 61, events: 600 });
    const app = await appEndpoint();
    const db = tempDb();
    const sync = syncFor(emu, db, {
      settleMs: 0,
      forward: { url: app.url, secret: SECRET },
    });
    try {
      await sync.runOnce();
      // Only events the import overlaps (its last minutes) may be forwarded, never its state.
      const afterImport = app.deliveries.length;
      expect(afterImport).toBeLessThan(600);
      const from = emu.emulator.world.events.length;
      emu.emulator.generateNow(300);
      const expected = eventsFrom(emu, from);
      await sync.runOnce();

      const delivered = app.deliveries.slice(afterImport);
      expect(
        await byLane(
          sync,
          delivered.map((d) => d.id),
        ),
      ).toEqual(
        await byLane(
          sync,
          expected.map((e) => e.id),
        ),
      );
      expect(delivered).toHaveLength(expected.length);
      expect(delivered.every((d) => d.status === 200)).toBe(true);
      const bodies = new Map(expected.map((e) => [e.id, e.json]));
      for (const d of delivered) {
        expect(JSON.parse(d.body)).toEqual(JSON.parse(bodies.get(d.id)!));
        expect(d.headers['content-type']).toBe('application/json');
        // Signed with this secret, not just any: another application's secret does not verify.
        expect(() =>
          new Webhook(OTHER_SECRET).verify(d.body, d.headers as Record<string, string>),
        ).toThrow();
      }

      // Done: each event has its outbox row (its body, for replays) and one delivered delivery.
      const outbox = await db.query<{ done: number; n: number }>(
        'SELECT done, COUNT(*) AS n FROM authsync_outbox GROUP BY done',
      );
      expect(outbox).toEqual([{ done: 1, n: app.deliveries.length }]);
      const rows = await db.query<{ status: string; n: number }>(
        'SELECT status, COUNT(*) AS n FROM authsync_deliveries GROUP BY status',
      );
      expect(rows).toEqual([{ status: 'delivered', n: app.deliveries.length }]);

      await sync.replay(new Date(Date.now() - 3600_000).toISOString());
      await sync.runOnce();
      expect(app.deliveries.length).toBe(afterImport + 300);
    } finally {
      await sync.close();
      await app.close();
      await emu.close();
    }
  });

  it('forwards only the event types asked for (exact types, prefixes such as user.*)', async () => {
    const emu = await startEmulator({ seed: 64, events: 300 });
    const app = await appEndpoint();
    const sync = syncFor(emu, tempDb(), {
      settleMs: 0,
      forward: { url: app.url, secret: SECRET, events: ['user.*', 'organization.created'] },
    });
    try {
      await sync.runOnce();
      const afterImport = app.deliveries.length;
      const from = emu.emulator.world.events.length;
      emu.emulator.generateNow(400);
      const all = eventsFrom(emu, from).map((e) => ({ id: e.id, type: JSON.parse(e.json).event }));
      const wanted = all.filter(
        (e) => e.type.startsWith('user.') || e.type === 'organization.created',
      );
      expect(wanted.length).toBeGreaterThan(0);
      expect(wanted.length).toBeLessThan(all.length);
      await sync.runOnce();
      expect(
        await byLane(
          sync,
          app.deliveries.slice(afterImport).map((d) => d.id),
        ),
      ).toEqual(
        await byLane(
          sync,
          wanted.map((e) => e.id),
        ),
      );
      // The others made no delivery at all.
      expect(await sync.store.deliveries().list({ limit: 10_000 })).toHaveLength(
        app.deliveries.length,
      );
    } finally {
      await sync.close();
      await app.close();
      await emu.close();
    }
  });

  for (const kind of STORE_KINDS)
    it(`an endpoint that is down or redirects keeps the events: each lane waits at its first failure, retried on the schedule until it answers 2xx (${kind})`, async () => {
      const emu = await startEmulator({ seed: 62, events: 200 });
      let down: 'error' | 'redirect' | null = null;
      const app = await appEndpoint(() =>
        down === 'error' ? 503 : down === 'redirect' ? 302 : 200,
      );
      const sync = syncFor(emu, tempDb(kind), {
        settleMs: 0,
        destinations: [
          { name: 'app', url: app.url, secrets: [SECRET], schedule: ['300ms', '300ms', '300ms'] },
        ],
      });
      const create = (name: string) => emulatorChange(emu, { op: 'organization.create', name });
      const refused = () => app.deliveries.filter((d) => d.status !== 200).length;
      const open = async () =>
        (await sync.store.deliveries().backlog()).find((b) => b.destination === 'app')?.pending ??
        0;
      try {
        await sync.runOnce();
        down = 'error';
        const orgs = [
          await create('Forward A'),
          await create('Forward B'),
          await create('Forward C'),
        ];
        await sync.runOnce();
        // The rows are applied whatever the endpoint says; each new organization is a lane of its
        // own, tried once and then left for its retry.
        expect(refused()).toBe(3);
        expect(await open()).toBe(3);
        down = 'redirect';
        orgs.push(await create('Forward D'));
        await sync.runOnce();
        expect(refused()).toBe(4);
        expect(await open()).toBe(4);
        down = null;
        await new Promise((r) => setTimeout(r, 500));
        await sync.runOnce();
        expect(await open()).toBe(0);
        const accepted = app.accepted();
        for (const org of orgs) {
          const id = app.deliveries.find((d) => JSON.parse(d.body).data.id === org.id)!.id;
          expect(accepted.filter((x) => x === id)).toHaveLength(1);
        }
        // Every attempt is logged, with the answer's status: as many refusals as the endpoint made.
        const store = sync.store.deliveries();
        const logged = await Promise.all(
          (await store.list({ limit: 1000 })).map(async (d) => (await store.get(d.id))!.attempts),
        );
        const codes = logged.flat().map((a) => a.statusCode);
        expect(codes.filter((c) => c !== 200)).toHaveLength(refused());
        expect(logged.every((a) => a.at(-1)!.statusCode === 200)).toBe(true);
      } finally {
        await sync.close();
        await app.close();
        await emu.close();
      }
    });

  it('is configured by AUTHSYNC_FORWARD_URL and AUTHSYNC_FORWARD_SECRET, both or neither; a bad secret is named, not shown', () => {
    const open = (env: Record<string, string>) =>
      createSync({ apiKey: 'sk_test', databaseUrl: ':memory:', env });
    expect(() => open({ AUTHSYNC_FORWARD_URL: 'https://app.example.com/hooks' })).toThrow(
      /AUTHSYNC_FORWARD_SECRET/,
    );
    expect(() => open({ AUTHSYNC_FORWARD_SECRET: SECRET })).toThrow(/AUTHSYNC_FORWARD_URL/);
    expect(() =>
      open({ AUTHSYNC_FORWARD_URL: 'ftp://app.example.com', AUTHSYNC_FORWARD_SECRET: SECRET }),
    ).toThrow(/not an http\(s\) URL/);
    expect(() =>
      open({
        AUTHSYNC_FORWARD_URL: 'https://app.example.com/hooks',
        AUTHSYNC_FORWARD_SECRET: SECRET,
        AUTHSYNC_FORWARD_EVENTS: 'user.created, user*',
      }),
    ).toThrow(/AUTHSYNC_FORWARD_EVENTS: "user\*" is not an event type/);
    const short = 'whsec_c2hvcnQ=';
    let message = '';
    try {
      open({
        AUTHSYNC_FORWARD_URL: 'https://app.example.com/hooks',
        AUTHSYNC_FORWARD_SECRET: short,
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/AUTHSYNC_FORWARD_SECRET is not a Standard Webhooks secret/);
    expect(message).not.toContain('c2hvcnQ');
  });

  it('serve: /metrics and status count deliveries waiting for a retry while the endpoint is down; the sync goes on', async () => {
    const emu = await startEmulator({ seed: 63, events: 100 });
    let down = false;
    const app = await appEndpoint(() => (down ? 503 : 200));
    const served = await serveFor(emu, {
      settleMs: 0,
      destinations: [{ name: 'app', url: app.url, secrets: [SECRET], schedule: ['1s'] }],
    });
    // Read from GET /metrics, as Prometheus would.
    const metric = async (prefix: string) => {
      const text = await (await fetch(`${served.service.url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${prefix} `));
      return line ? Number(line.split(' ')[1]) : NaN;
    };
    const retrying = () => metric('authsync_deliveries_open{destination="app",state="retrying"}');
    try {
      await waitFor(() => served.sync.lastReadOkAtMs !== null, 10_000);
      down = true;
      const org = await emulatorChange(emu, { op: 'organization.create', name: 'Metrics Org' });
      await waitFor(async () => (await retrying()) === 1, 10_000);
      // The row is there: a destination down does not hold the sync.
      expect((await served.sync.store.status()).rows.workos_organizations).toBeGreaterThan(0);
      expect(
        (await served.sync.destinations()).map((d) => [d.name, d.retrying, d.disabled]),
      ).toEqual([['app', 1, false]]);
      expect((await served.sync.destinations())[0]!.lastError).toMatch(/answered 503/);
      expect(
        await metric('authsync_delivery_attempts_total{destination="app",result="retrying"}'),
      ).toBeGreaterThanOrEqual(1);
      down = false;
      await waitFor(async () => (await retrying()) === 0, 15_000);
      expect(await metric('authsync_deliveries_open{destination="app",state="pending"}')).toBe(0);
      expect(app.accepted()).toContain(
        app.deliveries.find((d) => JSON.parse(d.body).data.id === org.id)!.id,
      );
    } finally {
      await served.service.stop();
      await app.close();
      await emu.close();
    }
  });
});
