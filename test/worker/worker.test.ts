import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { signWorkOSWebhook } from '../../src/emulator/webhooks.js';
import { CATALOG, SQLITE_SCHEMA } from '../../src/schema/index.js';
import { d1MigrationFiles, migrationStatements } from '../../src/stores/d1/migrations.js';
import { releases } from '../helpers/releases.js';
import { Random } from '../../src/emulator/random.js';
import { appEndpoint, FORWARD_SECRET, groupByLane } from '../helpers/app-endpoint.js';
import { expectPlanted, plant } from '../helpers/hostile-strings.js';
import { startReceiver } from '../helpers/receiver.js';
import { declaredShape, ENGINE_TABLES, sqliteShape, sqliteTables } from '../helpers/schema.js';
import { SECRET, waitFor } from '../helpers/serve-env.js';
import { dumpTables, emulatorChange, injectPoisonMembership } from '../helpers/sync-env.js';
import { differencesFromApi } from '../helpers/truth.js';
import { bundleWorker, startWorker, type RunningWorker } from '../helpers/worker-env.js';

/** Records each effect the Worker runs (its handler POSTs the event id here). */
async function effectRecorder(): Promise<{
  url: string;
  calls: Map<string, number>;
  close(): Promise<void>;
}> {
  const calls = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      calls.set(body, (calls.get(body) ?? 0) + 1);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/effect`,
    calls,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** The ids of the emulator's newest `n` events. */
const lastEventIds = (emu: RunningEmulator, n: number): string[] => {
  const log = emu.emulator.world.events;
  return Array.from({ length: n }, (_, i) => log.at(log.length - n + i)!.id);
};

const inboxIds = async (worker: RunningWorker): Promise<number> =>
  Number((await worker.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM authsync_events'))[0]!.n);

/** The Worker forwarding every event to `url`, signed with FORWARD_SECRET. */
async function forwardingWorker(
  emu: RunningEmulator,
  url: string,
  vars: Record<string, string> = {},
): Promise<RunningWorker> {
  const { path } = await bundleWorker();
  return startWorker(emu, {
    script: path,
    vars: {
      AUTHSYNC_SETTLE_MS: '0',
      AUTHSYNC_FORWARD_URL: url,
      AUTHSYNC_FORWARD_SECRET: FORWARD_SECRET,
      ...vars,
    },
  });
}

describe('authsync on Cloudflare Workers + D1 (workerd through Miniflare)', () => {
  it('the Worker entry bundles for workerd with no Node module reachable', async () => {
    const { inputs } = await bundleWorker();
    expect(inputs.some((i) => i.includes('dist/sync.js'))).toBe(true);
    expect(inputs.some((i) => i.includes('dist/engine/sync.js'))).toBe(true);
    for (const forbidden of [
      'better-sqlite3',
      'node_modules/pg/',
      'pino',
      'prom-client',
      'sqlite-store',
      'postgres-store',
    ])
      expect(inputs.filter((i) => i.includes(forbidden))).toEqual([]);
  });

  it('d1/migrations (for wrangler) are exactly what the SQLite migrations generate', () => {
    const dir = new URL('../../d1/migrations/', import.meta.url);
    const files = d1MigrationFiles(SQLITE_SCHEMA.migrations);
    expect(readdirSync(dir).sort()).toEqual(files.map((f) => f.name));
    for (const f of files) expect(readFileSync(new URL(f.name, dir), 'utf8')).toBe(f.sql);
  });

  it('D1 after the wrangler migrations has exactly the tables, columns, types and indexes the catalog declares', async () => {
    const emu = await startEmulator({ seed: 1, events: 10 });
    const { path } = await bundleWorker();
    const worker = await startWorker(emu, { script: path });
    try {
      const query = <T>(text: string) => worker.db.query<T>(text);
      expect(await sqliteShape(query)).toEqual(declaredShape('sqlite'));
      expect(await sqliteTables(query)).toEqual([...CATALOG.names(), ...ENGINE_TABLES].sort());
    } finally {
      await worker.close();
      await emu.close();
    }
  });

  it('D1 databases of every earlier release upgrade to the catalog with the wrangler files, keeping rows and cursor', async () => {
    const emu = await startEmulator({ seed: 1, events: 10 });
    const { path } = await bundleWorker();
    const files = d1MigrationFiles(SQLITE_SCHEMA.migrations);
    try {
      for (const r of releases.filter((r) => r.kind === 'sqlite')) {
        const worker = await startWorker(emu, { script: path, migrate: false });
        try {
          // The release's database, as its own code left it (D1 runs no BEGIN/COMMIT/PRAGMA).
          const dump = readFileSync(
            new URL(`../fixtures/schemas/${r.file}`, import.meta.url),
            'utf8',
          );
          await worker.exec(
            migrationStatements(dump).filter((s) => !/^(PRAGMA|BEGIN|COMMIT)\b/.test(s)),
          );
          const query = <T>(text: string) => worker.db.query<T>(text);
          const [before] = await query<{ range_start: string }>(
            'SELECT range_start FROM authsync_cursor',
          );
          const users = await query<{ n: number }>('SELECT COUNT(*) AS n FROM workos_users');
          // What `wrangler d1 migrations apply` runs: each file the database lacks.
          for (const f of files.filter((f) => Number(f.name.slice(0, 4)) > r.version))
            await worker.exec(migrationStatements(f.sql));
          expect(await sqliteShape(query), r.file).toEqual(declaredShape('sqlite'));
          expect(await sqliteTables(query)).toEqual([...CATALOG.names(), ...ENGINE_TABLES].sort());
          expect(await query('SELECT name, provider, range_start FROM authsync_cursor')).toEqual([
            { name: 'workos', provider: 'workos', range_start: before!.range_start },
          ]);
          expect(await query<{ n: number }>('SELECT COUNT(*) AS n FROM workos_users')).toEqual(
            users,
          );
          expect(users[0]!.n).toBeGreaterThan(10);
        } finally {
          await worker.close();
        }
      }
    } finally {
      await emu.close();
    }
  });

  for (const seed of [1, 2]) {
    it(`imports, then follows the stream: tables equal the emulator's state (seed ${seed})`, async () => {
      const emu = await startEmulator({ seed, events: 3000 });
      const { path } = await bundleWorker();
      const worker = await startWorker(emu, {
        script: path,
        vars: { AUTHSYNC_SETTLE_MS: '0', AUTHSYNC_STATUS_PASSWORD: 'pw' },
      });
      try {
        await worker.scheduled();
        expect(await differencesFromApi(emu, worker.db)).toEqual([]);
        emu.emulator.generateNow(1200);
        await worker.scheduled();
        expect(await differencesFromApi(emu, worker.db)).toEqual([]);
        const before = await dumpTables(worker.db);
        await worker.scheduled();
        expect(await dumpTables(worker.db)).toBe(before);
        expect((await worker.fetch('/status')).status).toBe(401);
        const authorization = `Basic ${Buffer.from('authsync:pw').toString('base64')}`;
        const status = (await (
          await worker.fetch('/status', { headers: { authorization } })
        ).json()) as any;
        const page = await worker.fetch('/status', {
          headers: { authorization, accept: 'text/html' },
        });
        expect(await page.text()).toMatch(/data-health="ok"/);
        expect(status.lastError).toBeNull();
        expect(status.inbox.applied).toBeGreaterThanOrEqual(1200);
      } finally {
        await worker.close();
        await emu.close();
      }
    });
  }

  it("the status page's button skips a dead letter in D1; a form without the page's token is refused", async () => {
    const emu = await startEmulator({ seed: 12, events: 100 });
    const { path } = await bundleWorker();
    const worker = await startWorker(emu, {
      script: path,
      vars: { AUTHSYNC_SETTLE_MS: '0', AUTHSYNC_STATUS_PASSWORD: 'pw' },
    });
    try {
      await worker.scheduled();
      const { poison } = await injectPoisonMembership(emu, 'worker');
      await worker.scheduled();
      const authorization = `Basic ${Buffer.from('authsync:pw').toString('base64')}`;
      const page = await (
        await worker.fetch('/status', { headers: { authorization, accept: 'text/html' } })
      ).text();
      expect(page).toContain(poison.id);
      const token = /name="token" value="([0-9a-f]{64})"/.exec(page)![1]!;
      const act = (t: string) =>
        worker.fetch('/status/actions', {
          method: 'POST',
          redirect: 'manual',
          headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            token: t,
            verb: 'skip',
            kind: 'dead-letter',
            source: 'workos',
            id: poison.id,
          }).toString(),
        });
      expect((await act('0'.repeat(64))).status).toBe(403);
      expect(await worker.db.query('SELECT event_id FROM authsync_dead_letters')).toHaveLength(1);
      const done = await act(token);
      expect(done.status).toBe(303);
      expect(done.headers.get('location')).toBe('/status');
      expect(await worker.db.query('SELECT event_id FROM authsync_dead_letters')).toEqual([]);
    } finally {
      await worker.close();
      await emu.close();
    }
  });

  it('hostile strings (NUL, lone surrogates, RTL, 200 kB) in every text field reach D1 as documented', async () => {
    const emu = await startEmulator({ seed: 9, events: 200 });
    const { path } = await bundleWorker();
    const worker = await startWorker(emu, { script: path, vars: { AUTHSYNC_SETTLE_MS: '0' } });
    try {
      await worker.scheduled();
      const planted = await plant(emu, new Random('hostile-strings:d1'));
      await worker.scheduled();
      expect(await worker.db.query('SELECT * FROM authsync_dead_letters')).toEqual([]);
      expect(
        await worker.db.query("SELECT id FROM authsync_events WHERE status <> 'applied'"),
      ).toEqual([]);
      await expectPlanted('d1', worker.db, planted, 'd1');
    } finally {
      await worker.close();
      await emu.close();
    }
  });

  it('stops at its time budget between pages; later runs pick up from the committed cursor', async () => {
    const emu = await startEmulator({ seed: 3, events: 500 });
    const { path } = await bundleWorker();
    const worker = await startWorker(emu, {
      script: path,
      // A backlog several budgets long however fast the machine (~1,000 events per run here).
      vars: { AUTHSYNC_SETTLE_MS: '0', AUTHSYNC_RUN_BUDGET_MS: '150' },
    });
    try {
      await worker.scheduled();
      emu.emulator.generateNow(6000);
      // Until a run ends by reaching the head rather than its budget.
      for (let i = 0; i < 200; i++) {
        await worker.scheduled();
        if (!worker.runs().at(-1)!.stoppedAtBudget) break;
      }
      expect(await differencesFromApi(emu, worker.db)).toEqual([]);
      const runs = worker.runs().slice(1);
      // Several runs, each ended by its budget but the last, together applying each event once.
      expect(runs.filter((r) => r.stoppedAtBudget).length).toBeGreaterThanOrEqual(2);
      expect(runs.every((r) => !r.error)).toBe(true);
      expect(runs.reduce((n, r) => n + r.applied, 0)).toBe(6000);
      expect(await inboxIds(worker)).toBe(6000);
    } finally {
      await worker.close();
      await emu.close();
    }
  });

  it('a run killed between pages (workerd stopped) resumes in a new Worker from D1; effects run for every event', async () => {
    const emu = await startEmulator({ seed: 4, events: 500 });
    const recorder = await effectRecorder();
    const { path } = await bundleWorker(recorder.url);
    const persistDir = mkdtempSync(join(tmpdir(), 'authsync-d1-'));
    // A budget long enough for one run to drain 3,000 events and their effects here.
    const vars = {
      AUTHSYNC_SETTLE_MS: '0',
      AUTHSYNC_RUN_BUDGET_MS: '120000',
    };
    let worker = await startWorker(emu, { script: path, vars, persistDir });
    try {
      await worker.scheduled();
      emu.emulator.generateNow(3000);
      const events = lastEventIds(emu, 3000);
      const killed = worker.scheduled().catch(() => 'killed');
      // Kill once some pages have committed, mid-run.
      await waitFor(async () => (await inboxIds(worker)) >= 800, 20_000);
      const committedBefore = await inboxIds(worker);
      await worker.close();
      expect(await killed).toBe('killed');
      expect(committedBefore).toBeLessThan(3000);
      worker = await startWorker(emu, { script: path, vars, persistDir, migrate: false });
      await worker.scheduled();
      expect(await differencesFromApi(emu, worker.db)).toEqual([]);
      expect(await inboxIds(worker)).toBe(3000);
      // Deliveries the killed run had claimed wait out their lease (5 s), then the next run
      // makes them.
      await new Promise((r) => setTimeout(r, 5100));
      await worker.scheduled();
      await waitFor(
        () => events.every((id) => recorder.calls.has(id)),
        10_000,
        () => recorder.calls.size,
      );
      // At least once: a repeat only for effects the killed run may have been running.
      const repeats = events.filter((id) => recorder.calls.get(id)! > 1).length;
      expect(repeats).toBeLessThanOrEqual(100);
    } finally {
      await worker.close();
      await recorder.close();
      await emu.close();
    }
    // 14-43 s in CI here (3,000 events, an effect's HTTP call each, two workerd starts):
    // room for a loaded machine; the limit only catches a hang.
  }, 120_000);

  it('two scheduled runs started together: one yields, tables converge, each effect runs once', async () => {
    const emu = await startEmulator({ seed: 5, events: 500 });
    const recorder = await effectRecorder();
    const { path } = await bundleWorker(recorder.url);
    const worker = await startWorker(emu, {
      script: path,
      vars: { AUTHSYNC_SETTLE_MS: '0', AUTHSYNC_RUN_BUDGET_MS: '120000' },
    });
    try {
      await worker.scheduled();
      emu.emulator.generateNow(3000);
      const events = lastEventIds(emu, 3000);
      await Promise.all([worker.scheduled(), worker.scheduled()]);
      const [, a, b] = worker.runs();
      expect([a!.yielded, b!.yielded].filter(Boolean)).toHaveLength(1);
      expect(a!.error ?? b!.error).toBeUndefined();
      expect(await differencesFromApi(emu, worker.db)).toEqual([]);
      expect(await inboxIds(worker)).toBe(3000);
      expect(events.filter((id) => recorder.calls.get(id) !== 1)).toEqual([]);
    } finally {
      await worker.close();
      await recorder.close();
      await emu.close();
    }
  });

  it('a signed webhook into fetch lands in D1 and pulls the stream at once; bad signatures are refused', async () => {
    const emu = await startEmulator({ seed: 6, events: 300, settleMs: 300 });
    const { path } = await bundleWorker();
    const worker = await startWorker(emu, {
      script: path,
      vars: { AUTHSYNC_SETTLE_MS: '0', WORKOS_WEBHOOK_SECRET: SECRET },
    });
    try {
      await worker.scheduled();
      emu.emulator.generateNow(1);
      const log = emu.emulator.world.events;
      const event = log.at(log.length - 1)!;
      const body = event.json;
      const bad = await worker.fetch('/webhooks/workos', {
        method: 'POST',
        body,
        headers: { 'workos-signature': signWorkOSWebhook(body, 'whsec_wrong', Date.now()) },
      });
      expect(bad.status).toBe(401);
      expect(await worker.fetch('/webhooks/workos', { method: 'GET' })).toHaveProperty(
        'status',
        405,
      );
      const ok = await worker.fetch('/webhooks/workos', {
        method: 'POST',
        body,
        headers: { 'workos-signature': signWorkOSWebhook(body, SECRET, Date.now()) },
      });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ received: true, duplicate: false });
      // Durable before the answer...
      const stored = await worker.db.query<{ status: string }>(
        `SELECT status FROM authsync_events WHERE id = '${event!.id}'`,
      );
      expect(stored).toHaveLength(1);
      // ...and applied by the pull the webhook started (no cron tick in between).
      await waitFor(
        async () =>
          (
            await worker.db.query<{ status: string }>(
              `SELECT status FROM authsync_events WHERE id = '${event!.id}'`,
            )
          )[0]?.status === 'applied',
        10_000,
      );
      expect(await differencesFromApi(emu, worker.db)).toEqual([]);
      expect(worker.runs().length).toBeGreaterThan(1);
      const health = await worker.fetch('/healthz');
      expect(health.status).toBe(200);
    } finally {
      await worker.close();
      await emu.close();
    }
  });

  it('forwards each new event to the application, signed (Standard Webhooks in workerd)', async () => {
    const emu = await startEmulator({ seed: 8, events: 300 });
    const app = await appEndpoint();
    const worker = await forwardingWorker(emu, app.url);
    try {
      await worker.scheduled();
      const afterImport = app.deliveries.length;
      emu.emulator.generateNow(200);
      const events = lastEventIds(emu, 200);
      await worker.scheduled();
      // Verified by the endpoint with the standardwebhooks library, each once, in stream order
      // within its lane.
      const delivered = app.deliveries.slice(afterImport);
      expect(delivered.every((d) => d.status === 200)).toBe(true);
      const lanes = new Map(
        (
          await worker.db.query<{ event_id: string; lane: string }>(
            'SELECT event_id, lane FROM authsync_deliveries',
          )
        ).map((r) => [r.event_id, r.lane]),
      );
      expect(
        groupByLane(
          delivered.map((d) => d.id),
          lanes,
        ),
      ).toEqual(groupByLane(events, lanes));
    } finally {
      await worker.close();
      await app.close();
      await emu.close();
    }
  });

  it('one run makes more deliveries than workerd lets an invocation hold timers (10,000)', async () => {
    const emu = await startEmulator({ seed: 10, events: 20 });
    const app = await appEndpoint();
    // A timeout of its own per delivery, left running once answered, counted against the limit.
    const worker = await forwardingWorker(emu, app.url, { AUTHSYNC_RUN_BUDGET_MS: '60000' });
    try {
      await worker.scheduled();
      const afterImport = app.deliveries.length;
      emu.emulator.generateNow(10_200);
      await worker.scheduled();
      const delivered = app.deliveries.slice(afterImport);
      expect(new Set(delivered.map((d) => d.id)).size).toBe(10_200);
      expect(delivered.every((d) => d.status === 200)).toBe(true);
      expect(
        await worker.db.query(
          "SELECT status, COUNT(*) AS n FROM authsync_deliveries WHERE status <> 'delivered' GROUP BY 1",
        ),
      ).toEqual([]);
    } finally {
      await worker.close();
      await app.close();
      await emu.close();
    }
  }, 90_000);

  it('a refused delivery waits for its retry while the others are made; a later run makes it', async () => {
    const emu = await startEmulator({ seed: 9, events: 200 });
    let refuseNext = false;
    const app = await appEndpoint(() => {
      const status = refuseNext ? 503 : 200;
      refuseNext = false;
      return status;
    });
    const worker = await startWorker(emu, {
      script: (await bundleWorker()).path,
      vars: {
        AUTHSYNC_SETTLE_MS: '0',
        AUTHSYNC_DESTINATIONS: JSON.stringify([
          { name: 'app', url: app.url, secrets: [FORWARD_SECRET], schedule: ['1s'] },
        ]),
      },
    });
    try {
      await worker.scheduled();
      const before = app.deliveries.length;
      const orgs = [];
      for (const name of ['Worker A', 'Worker B', 'Worker C'])
        orgs.push(await emulatorChange(emu, { op: 'organization.create', name }));
      refuseNext = true;
      await worker.scheduled();
      // Refused once (its lane waits for the retry); the other two organizations' lanes go on.
      const made = app.deliveries.slice(before);
      expect(made.map((d) => d.status).sort()).toEqual([200, 200, 503]);
      const refused = made.find((d) => d.status === 503)!.id;
      await new Promise((r) => setTimeout(r, 1300));
      await worker.scheduled();
      expect(app.accepted().filter((id) => id === refused)).toHaveLength(1);
      const rows = await worker.db.query<{ status: string; attempts: number }>(
        `SELECT status, attempts FROM authsync_deliveries WHERE event_id = '${refused}'`,
      );
      expect(rows).toEqual([{ status: 'delivered', attempts: 2 }]);
    } finally {
      await worker.close();
      await app.close();
      await emu.close();
    }
  });

  it('a destination trickling its answer a byte at a time is cut off at its timeout in workerd too', async () => {
    const emu = await startEmulator({ seed: 10, events: 30 });
    const rx = await startReceiver();
    const worker = await startWorker(emu, {
      script: (await bundleWorker()).path,
      vars: {
        AUTHSYNC_SETTLE_MS: '0',
        AUTHSYNC_DESTINATIONS: JSON.stringify([
          { name: 'app', url: rx.at('app'), secrets: [FORWARD_SECRET], timeoutMs: 500 },
        ]),
      },
    });
    try {
      await worker.scheduled();
      // Each answer would take 100 s; the run ends within the timeout's reach, the body cut
      // off (its status stands) and headers not complete in time tried again later.
      for (const [mode, status] of [
        ['trickle', 'delivered'],
        ['trickle-headers', 'pending'],
      ] as const) {
        await rx.mode('app', mode);
        const org = await emulatorChange(emu, { op: 'organization.create', name: `Slow ${mode}` });
        const started = Date.now();
        await worker.scheduled();
        expect(Date.now() - started, mode).toBeLessThan(10_000);
        const rows = await worker.db.query<{ status: string; attempts: number; error: string }>(
          `SELECT d.status, d.attempts, a.error FROM authsync_deliveries AS d JOIN authsync_delivery_attempts AS a ON a.delivery_id = d.id WHERE d.lane = '${org.id}'`,
        );
        expect(rows, mode).toEqual([
          {
            status,
            attempts: 1,
            error: status === 'pending' ? expect.stringMatching(/no answer within 500 ms/) : null,
          },
        ]);
      }
    } finally {
      await worker.close();
      await rx.close();
      await emu.close();
    }
  });

  it('a D1 database without the migrations is named as such, with the command to run', async () => {
    const emu = await startEmulator({ seed: 7, events: 10 });
    const { path } = await bundleWorker();
    const worker = await startWorker(emu, { script: path, migrate: false });
    try {
      const health = await worker.fetch('/healthz');
      expect(health.status).toBe(503);
      expect(JSON.stringify(await health.json())).toMatch(/wrangler d1 migrations apply/);
      await worker.scheduled();
      expect(worker.runs()[0]!.error).toMatch(/lacks authsync migrations 1, 2, 3, 4, 5, 6/);
    } finally {
      await worker.close();
      await emu.close();
    }
  });
});
