import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { configuredSources } from '../../src/config.js';
import { createSyncs, type Sync } from '../../src/create-sync.js';
import { startAuth0Emulator, type RunningAuth0Emulator } from '../../src/emulator/auth0/server.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { signWorkOSWebhook } from '../../src/emulator/webhooks.js';
import { auth0Differences } from '../helpers/auth0-truth.js';
import { STORE_KINDS, tempDb, type TestDb } from '../helpers/test-db.js';
import { differencesFromApi } from '../helpers/truth.js';

const CLI = join(resolve(import.meta.dirname, '../..'), 'dist/cli.js');
const run = promisify(execFile);

/** What a user sets for a WorkOS and an Auth0 source in one deployment. */
function bothSources(workos: RunningEmulator, auth0: RunningAuth0Emulator, db: TestDb) {
  return {
    ...db.env,
    AUTHSYNC_SOURCES: 'workos,auth0',
    WORKOS_API_URL: workos.url,
    WORKOS_API_KEY: workos.apiKey,
    AUTH0_DOMAIN: auth0.url,
    AUTH0_CLIENT_ID: auth0.clientId,
    AUTH0_CLIENT_SECRET: auth0.clientSecret,
    AUTH0_REQUESTS_PER_MINUTE: '100000',
  };
}

/** Every event id either source's API has shown, sorted as the inbox query sorts them. */
function everyEventId(workos: RunningEmulator, auth0: RunningAuth0Emulator): string[] {
  const { events } = workos.emulator.world;
  return [
    ...Array.from({ length: events.length }, (_, i) => events.at(i)!.id),
    ...auth0.emulator.tenant.logs.indexed.map((l) => l.log_id),
  ].sort();
}

describe('several sources in one deployment', () => {
  it('AUTHSYNC_SOURCES names them; <ID>__NAME is read before NAME; mistakes are named', () => {
    expect(configuredSources({ AUTHSYNC_PROVIDER: 'auth0' })).toMatchObject([
      { id: 'auth0', provider: 'auth0' },
    ]);
    expect(configuredSources({ AUTHSYNC_SOURCE_ID: 'main' })).toMatchObject([
      { id: 'main', provider: 'workos' },
    ]);
    const env = {
      AUTHSYNC_SOURCES: ' eu:workos, us:workos ,auth0',
      WORKOS_API_KEY: 'sk_shared',
      EU__WORKOS_API_KEY: 'sk_eu',
      US__AUTHSYNC_FORWARD_URL: 'https://us.example.com/hook',
      // Another source's prefix, or a prefix and nothing after it, changes nothing.
      EU__: 'nothing',
    };
    const sources = configuredSources(env);
    expect(sources.map((s) => [s.id, s.provider])).toEqual([
      ['eu', 'workos'],
      ['us', 'workos'],
      ['auth0', 'auth0'],
    ]);
    expect(sources.map((s) => s.env.WORKOS_API_KEY)).toEqual(['sk_eu', 'sk_shared', 'sk_shared']);
    expect(sources.map((s) => s.env.AUTHSYNC_FORWARD_URL)).toEqual([
      undefined,
      'https://us.example.com/hook',
      undefined,
    ]);
    expect(sources[0]!.env['']).toBeUndefined();
    for (const [value, message] of [
      ['eu', /"eu" names no provider: use workos, auth0, or id:provider/],
      ['eu:okta', /"eu:okta" names no provider/],
      ['workos,,auth0', /"" is not a source/],
      ['EU:workos', /"EU:workos" is not a source/],
      ['a:b:workos', /"a:b:workos" is not a source/],
      ['workos,workos', /names the source workos twice/],
    ] as const)
      expect(() => configuredSources({ AUTHSYNC_SOURCES: value }), value).toThrow(message);
    expect(() =>
      configuredSources({ AUTHSYNC_SOURCES: 'workos', AUTHSYNC_PROVIDER: 'auth0' }),
    ).toThrow(/leave AUTHSYNC_SOURCE_ID and AUTHSYNC_PROVIDER unset/);
  });

  for (const kind of STORE_KINDS)
    it(`${kind}: a WorkOS and an Auth0 source run at once, each to its own tables, cursor and inbox rows`, async () => {
      const workos = await startEmulator({ seed: `both-${kind}`, events: 1500 });
      const auth0 = await startAuth0Emulator({
        seed: `both-${kind}`,
        changes: 800,
        hours: 2,
        apiOnly: true,
      });
      const db = tempDb(kind);
      const syncs = createSyncs({
        env: bothSources(workos, auth0, db),
        settleMs: 0,
        importOnFirstRun: false,
      });
      try {
        expect(syncs.map((s) => s.sourceId)).toEqual(['workos', 'auth0']);
        // From the start of each stream (no first import): every event goes through the inbox.
        const first = await Promise.all(syncs.map((s) => s.runOnce()));
        expect(first.map((r) => r.applied)).toEqual([
          workos.emulator.world.events.length,
          auth0.emulator.tenant.logs.indexed.length,
        ]);
        // Both move again, at the same time: on SQLite the two sources share one connection,
        // whose transactions queue (two connections in one process would wait on each other).
        workos.emulator.generateNow(400);
        auth0.emulator.generateNow(300);
        const second = await Promise.all(syncs.map((s) => s.runOnce()));
        expect(second.map((r) => r.deadLettered)).toEqual([0, 0]);
        expect(await differencesFromApi(workos, db)).toEqual([]);
        expect(await auth0Differences(auth0, db)).toEqual([]);
        const inbox = await db.query<{ id: string; status: string }>(
          'SELECT id, status FROM authsync_events ORDER BY id',
        );
        expect(inbox.map((e) => e.id).sort()).toEqual(everyEventId(workos, auth0));
        expect(new Set(inbox.map((e) => e.status))).toEqual(new Set(['applied']));
        // Each cursor is its own source's last event; the status rows are its provider's tables.
        const [ws, as] = await Promise.all(syncs.map((s) => s.status()));
        const { events } = workos.emulator.world;
        expect(ws!.cursor.after).toBe(events.at(events.length - 1)!.id);
        expect(as!.cursor.after).toBe(auth0.emulator.tenant.logs.indexed.at(-1)!.log_id);
        expect(Object.keys(ws!.rows).every((t) => t.startsWith('workos_'))).toBe(true);
        expect(Object.keys(as!.rows).every((t) => t.startsWith('auth0_'))).toBe(true);
        expect((await Promise.all(syncs.map((s) => s.runOnce()))).map((r) => r.fetched)).toEqual([
          0, 0,
        ]);
      } finally {
        await Promise.all(syncs.map((s) => s.close()));
        await workos.close();
        await auth0.close();
      }
    });

  for (const kind of STORE_KINDS)
    it(`${kind}: each source sweeps, counts and lists only its own inbox rows`, async () => {
      const workos = await startEmulator({ seed: `own-${kind}`, events: 300 });
      const auth0 = await startAuth0Emulator({ seed: `own-${kind}`, changes: 100, hours: 1 });
      const db = tempDb(kind);
      const syncs = createSyncs({
        env: {
          ...bothSources(workos, auth0, db),
          WORKOS_WEBHOOK_SECRET: 'whsec_own_rows',
          AUTH0_EVENT_STREAM_TOKEN: 'own-rows-token',
        },
        settleMs: 0,
        webhookGraceMs: 0,
      });
      const [ws, as] = syncs as [Sync, Sync];
      try {
        await Promise.all(syncs.map((s) => s.runOnce()));
        // A WorkOS webhook the Events API has not shown yet: held in the shared inbox.
        workos.emulator.generateNow(1);
        const { events } = workos.emulator.world;
        const event = events.at(events.length - 1)!;
        const stored = await ws.receiveWebhook(new TextEncoder().encode(event.json), (name) =>
          name === 'workos-signature'
            ? signWorkOSWebhook(event.json, 'whsec_own_rows', Date.now())
            : undefined,
        );
        expect(stored).toMatchObject({ status: 200, duplicate: false });
        expect((await ws.backlog()).held).toBe(1);
        expect((await as.backlog()).held).toBe(0);
        // The Auth0 source's sweep leaves it alone: its projections are not WorkOS's.
        expect(await as.applyOverdueWebhookEvents()).toBe(0);
        expect(await ws.eventStatus(event.id)).toBe('held');
        expect(await as.deadLetters()).toEqual([]);
        // Its own source applies it.
        expect(await ws.applyOverdueWebhookEvents()).toBe(1);
        expect(await ws.eventStatus(event.id)).toBe('applied');
        expect(await ws.deadLetters()).toEqual([]);
        const [wr, ar] = await Promise.all(syncs.map((s) => s.status()));
        expect(wr!.inbox.applied).toBe(
          (await db.query("SELECT id FROM authsync_events WHERE id LIKE 'event_%'")).length,
        );
        expect(ar!.inbox.applied).toBe(
          (await db.query("SELECT id FROM authsync_events WHERE id NOT LIKE 'event_%'")).length,
        );
      } finally {
        await Promise.all(syncs.map((s) => s.close()));
        await workos.close();
        await auth0.close();
      }
    });

  it('the CLI: sync and status cover every source; commands about one event ask which', async () => {
    const workos = await startEmulator({ seed: 'both-cli', events: 600 });
    const auth0 = await startAuth0Emulator({
      seed: 'both-cli',
      changes: 300,
      hours: 1,
      apiOnly: true,
    });
    const db = tempDb('sqlite');
    // Two sources of one provider would read the same settings: `EU__` gives this one its own.
    const env = {
      ...process.env,
      ...bothSources(workos, auth0, db),
      AUTHSYNC_SOURCES: 'eu:workos,auth0',
      WORKOS_API_KEY: 'sk_test_not_this_one',
      EU__WORKOS_API_KEY: workos.apiKey,
      LOG_LEVEL: 'warn',
    };
    try {
      const synced = await run('node', [CLI, 'sync', '--once', '--no-import'], { env });
      const lines = synced.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => [l.source, l.applied])).toEqual([
        ['eu', workos.emulator.world.events.length],
        ['auth0', auth0.emulator.tenant.logs.indexed.length],
      ]);
      expect(await differencesFromApi(workos, db)).toEqual([]);
      expect(await auth0Differences(auth0, db)).toEqual([]);

      const status = JSON.parse((await run('node', [CLI, 'status', '--json'], { env })).stdout);
      expect(status.map((s: { source: string }) => s.source)).toEqual(['eu', 'auth0']);
      const one = JSON.parse(
        (await run('node', [CLI, 'status', '--json', '--source', 'auth0'], { env })).stdout,
      );
      expect(one.source).toBe('auth0');
      const text = (await run('node', [CLI, 'status'], { env })).stdout;
      expect(text).toMatch(/^source {10}eu\n[\s\S]*\n\nsource {10}auth0\n/);

      const replay = run('node', [CLI, 'replay', '--since', '2020-01-01T00:00:00Z'], { env });
      await expect(replay).rejects.toMatchObject({
        code: 1,
        stderr: expect.stringContaining(
          'AUTHSYNC_SOURCES names several sources (eu, auth0): say which with --source.',
        ),
      });
      const unknown = run('node', [CLI, 'status', '--source', 'us'], { env });
      await expect(unknown).rejects.toMatchObject({
        stderr: expect.stringContaining(
          '--source "us" is not a configured source: the sources are eu, auth0.',
        ),
      });
      const flags = run('node', [CLI, 'sync', '--once', '--api-key', workos.apiKey], { env });
      await expect(flags).rejects.toMatchObject({
        stderr: expect.stringContaining('with several sources, set <ID>__WORKOS_API_URL'),
      });
      expect(
        JSON.parse((await run('node', [CLI, 'dead-letters', 'list', '--json'], { env })).stdout),
      ).toEqual([]);
    } finally {
      await workos.close();
      await auth0.close();
    }
  });
});
