import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { FORWARD_SECRET as SECRET, groupByLane } from '../helpers/app-endpoint.js';
import { startReceiver, type Received } from '../helpers/receiver.js';
import { loadRelease, release } from '../helpers/releases.js';
import { cliEnv, emulatorChange, syncFor, tempDbPath } from '../helpers/sync-env.js';
import { STORE_KINDS, tempDb } from '../helpers/test-db.js';

const run = promisify(execFile);
const CLI = new URL('../../dist/cli.js', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The emulator's events from index `from` on, by id. */
const idsFrom = (emu: RunningEmulator, from: number) => {
  const out: string[] = [];
  for (let i = from; i < emu.emulator.world.events.length; i++)
    out.push(emu.emulator.world.events.at(i)!.id);
  return out;
};

/** Each id's first accepted (2xx) arrival, in arrival order. */
const accepted = (log: Received[]) => {
  const seen = new Set<string>();
  return log.filter((r) => r.status === 200 && !seen.has(r.id) && seen.add(r.id)).map((r) => r.id);
};

type Synced = ReturnType<typeof syncFor>;
const lanesOf = async (sync: Synced) =>
  new Map((await sync.store.deliveries().list({ limit: 100_000 })).map((d) => [d.eventId, d.lane]));
const openOf = async (sync: Synced, name: string) =>
  (await sync.destinations()).find((d) => d.name === name)!;

describe('delivery to the application (a receiver in its own process, verifying every signature)', () => {
  for (const kind of STORE_KINDS)
    it(`a destination down for a while then back gets every event once, in order per organization; the other destination is unaffected (${kind})`, async () => {
      const emu = await startEmulator({ seed: 71, events: 200 });
      const rx = await startReceiver();
      // Enough retries to outlast the outage (else heads fail for good and hold their lanes).
      const retries = Array.from({ length: 50 }, () => '300ms');
      const sync = syncFor(emu, tempDb(kind), {
        settleMs: 0,
        destinations: [
          { name: 'down', url: rx.at('down'), secrets: [SECRET], schedule: retries },
          { name: 'up', url: rx.at('up'), secrets: [SECRET] },
        ],
      });
      try {
        await sync.runOnce();
        const from = emu.emulator.world.events.length;
        const before = { down: (await rx.log('down')).length, up: (await rx.log('up')).length };
        await rx.mode('down', 'down');
        for (let round = 0; round < 3; round++) {
          emu.emulator.generateNow(150);
          await sync.runOnce();
          await sleep(200);
        }
        const expected = idsFrom(emu, from);
        const lanes = await lanesOf(sync);
        // The other destination has had every event, once, while this one was down.
        const up = (await rx.log('up')).slice(before.up);
        expect(up.every((r) => r.verified && r.status === 200)).toBe(true);
        expect(groupByLane(accepted(up), lanes)).toEqual(groupByLane(expected, lanes));
        expect(up).toHaveLength(expected.length);
        expect((await openOf(sync, 'down')).retrying).toBeGreaterThan(0);
        expect((await openOf(sync, 'down')).lastError).toMatch(/answered 503/);

        await rx.mode('down', 'ok');
        for (let i = 0; i < 80 && (await openOf(sync, 'down')).pending > 0; i++) {
          await sleep(200);
          await sync.runOnce();
        }
        expect(await openOf(sync, 'down')).toMatchObject({ pending: 0, failed: 0 });
        const down = (await rx.log('down')).slice(before.down);
        expect(down.every((r) => r.verified)).toBe(true);
        const got = accepted(down);
        // Every event, accepted once (no crash here: at least once is exactly once), in stream
        // order within each organization's lane.
        expect(down.filter((r) => r.status === 200)).toHaveLength(expected.length);
        expect(groupByLane(got, lanes)).toEqual(groupByLane(expected, lanes));
        // And the store agrees: every delivery delivered, each with its attempts logged.
        const rows = await sync.store.deliveries().list({ limit: 100_000 });
        expect(rows.every((d) => d.status === 'delivered')).toBe(true);
        const refused = down.filter((r) => r.status === 503).length;
        const attempts = rows
          .filter((d) => d.destination === 'down' && expected.includes(d.eventId))
          .reduce((n, d) => n + d.attempts, 0);
        expect(attempts).toBe(expected.length + refused);
        // Each done at its last attempt, every attempt of it logged in order.
        for (const row of rows.filter((d) => d.destination === 'down').slice(0, 60)) {
          const shown = (await sync.store.deliveries().get(row.id))!;
          expect(shown.attempts.map((a) => a.attempt)).toEqual(
            Array.from({ length: row.attempts }, (_, i) => i + 1),
          );
          expect(shown.delivery.doneAt).toBe(shown.attempts.at(-1)!.at);
          expect(shown.attempts.at(-1)!.statusCode).toBe(200);
        }
      } finally {
        await sync.close();
        await rx.close();
        await emu.close();
      }
    });

  it('a destination that does not answer is left alone for the rest of the pass: one attempt, not one per lane', async () => {
    const emu = await startEmulator({ seed: 76, events: 50 });
    const rx = await startReceiver();
    const sync = syncFor(emu, tempDb(), {
      settleMs: 0,
      destinations: [
        { name: 'app', url: rx.at('app'), secrets: [SECRET], concurrency: 1, timeoutMs: 300 },
      ],
    });
    try {
      await sync.runOnce();
      await rx.mode('app', 'hang');
      for (let i = 0; i < 12; i++)
        await emulatorChange(emu, { op: 'organization.create', name: `Hang ${i}` });
      await sync.runOnce();
      const rows = (await sync.store.deliveries().list({ limit: 1000 })).filter(
        (d) => d.status === 'pending',
      );
      expect(rows).toHaveLength(12);
      // One attempt timed out; the eleven other lanes were not tried (each would have waited
      // out the timeout in turn) and are due at the next pass.
      expect(rows.map((d) => d.attempts).sort()).toEqual([...Array(11).fill(0), 1]);
      const tried = await sync.store.deliveries().get(rows.find((d) => d.attempts === 1)!.id);
      expect(tried!.attempts[0]!.error).toMatch(/no answer within 300 ms/);
      await rx.mode('app', 'ok');
      await sync.runOnce();
      expect((await openOf(sync, 'app')).pending).toBe(1);
      expect((await rx.log('app')).filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(
        11,
      );
    } finally {
      await sync.close();
      await rx.close();
      await emu.close();
    }
  });

  it('hostile answers: headers or a body trickled a byte at a time are cut off at the timeout; a 5 MB body of NULs and broken UTF-8 is logged as its first bytes, cleaned', async () => {
    const emu = await startEmulator({ seed: 77, events: 20 });
    const rx = await startReceiver();
    const sync = syncFor(emu, tempDb(), {
      settleMs: 0,
      destinations: [
        { name: 'app', url: rx.at('app'), secrets: [SECRET], concurrency: 1, timeoutMs: 500 },
      ],
    });
    try {
      await sync.runOnce();
      // Each answer would take 100 s (1,000 bytes, one every 100 ms) if only undici's idle
      // timers bounded it; the destination's 500 ms bound the whole exchange.
      const cases = [
        ['trickle', 'delivered', null],
        ['trickle-chunked', 'delivered', null],
        ['trickle-headers', 'pending', /no answer within 500 ms/],
        ['flood', 'delivered', null],
      ] as const;
      for (const [mode, status, error] of cases) {
        await rx.mode('app', mode);
        const org = await emulatorChange(emu, {
          op: 'organization.create',
          name: `Hostile ${mode}`,
        });
        const started = Date.now();
        await sync.runOnce();
        expect(Date.now() - started, mode).toBeLessThan(10_000);
        const [newest] = await sync.store.deliveries().list({ limit: 1 });
        expect(newest!.lane, mode).toBe(org.id);
        const { delivery, attempts } = (await sync.store.deliveries().get(newest!.id))!;
        expect(delivery.status, mode).toBe(status);
        expect(attempts, mode).toHaveLength(1);
        const [attempt] = attempts;
        expect(attempt!.durationMs, mode).toBeLessThan(5_000);
        if (error) expect(attempt!.error, mode).toMatch(error);
        else expect(attempt!.statusCode, mode).toBe(200);
        if (mode === 'flood') {
          const text = attempt!.response!;
          expect(text.length).toBeGreaterThan(0);
          expect(text.length).toBeLessThanOrEqual(256);
          expect(text).not.toContain('\u0000');
          expect(text.isWellFormed()).toBe(true);
          expect(text).toContain('\ufffd');
        }
      }
      // The receiver saw each once and was not left waiting on a connection.
      const arrived = (await rx.log('app')).filter((r) => r.status === 200);
      expect(new Set(arrived.map((r) => r.id)).size).toBe(arrived.length);
    } finally {
      await sync.close();
      await rx.close();
      await emu.close();
    }
  });

  it('410 Gone and webhook-delivery: abort end a delivery at once; it holds its lane until skipped or retried', async () => {
    const emu = await startEmulator({ seed: 72, events: 50 });
    const rx = await startReceiver();
    const sync = syncFor(emu, tempDb(), {
      settleMs: 0,
      destinations: [{ name: 'app', url: rx.at('app'), secrets: [SECRET] }],
    });
    const store = sync.store.deliveries();
    const orgEvents = async (name: string) => {
      const org = await emulatorChange(emu, { op: 'organization.create', name });
      for (const n of [2, 3, 4])
        await emulatorChange(emu, { op: 'organization.update', id: org.id, name: `${name} ${n}` });
      return org.id as string;
    };
    try {
      await sync.runOnce();
      for (const [mode, end] of [
        ['gone', 'skip'],
        ['abort', 'retry'],
      ] as const) {
        await rx.mode('app', mode);
        const from = emu.emulator.world.events.length;
        await orgEvents(`Org ${mode}`);
        const ids = idsFrom(emu, from);
        const before = (await rx.log('app')).length;
        await sync.runOnce();
        // One attempt, failed for good; the three after it in the lane were not sent.
        expect((await rx.log('app')).slice(before).map((r) => [r.id, r.status])).toEqual([
          [ids[0], mode === 'gone' ? 410 : 500],
        ]);
        const [first] = (await store.list({ limit: 10 })).filter((d) => d.eventId === ids[0]);
        expect([first!.status, first!.attempts]).toEqual(['failed', 1]);
        expect((await openOf(sync, 'app')).failed).toBe(1);
        await rx.mode('app', 'ok');
        await sync.runOnce();
        expect((await rx.log('app')).length).toBe(before + 1);
        if (end === 'skip') expect(await store.skip(first!.id, Date.now())).toBe(1);
        else expect(await store.retry([first!.id], Date.now())).toBe(1);
        await sync.runOnce();
        const after = (await rx.log('app')).slice(before + 1).map((r) => r.id);
        expect(after).toEqual(end === 'skip' ? ids.slice(1) : ids);
      }
    } finally {
      await sync.close();
      await rx.close();
      await emu.close();
    }
  });

  it('a schedule used up leaves the delivery failed and kept; the CLI lists it, retries it and replays what was delivered', async () => {
    const emu = await startEmulator({ seed: 73, events: 50 });
    const rx = await startReceiver();
    const db = tempDbPath();
    const destinations = [
      { name: 'app', url: rx.at('app'), secrets: [SECRET], schedule: ['100ms', '100ms'] },
    ];
    const sync = syncFor(emu, db, { settleMs: 0, destinations });
    const cli = (...args: string[]) =>
      run(process.execPath, [CLI, ...args], {
        env: cliEnv(emu, { DATABASE_URL: db, AUTHSYNC_DESTINATIONS: JSON.stringify(destinations) }),
      });
    try {
      await sync.runOnce();
      await rx.mode('app', 'down');
      const org = await emulatorChange(emu, { op: 'organization.create', name: 'Exhausted' });
      const id = idsFrom(emu, emu.emulator.world.events.length - 1)[0]!;
      for (let i = 0; i < 3; i++) {
        await sync.runOnce();
        await sleep(150);
      }
      const log = (await rx.log('app')).filter((r) => r.id === id);
      expect(log.map((r) => r.status)).toEqual([503, 503, 503]);
      const failed = JSON.parse(
        (await cli('deliveries', 'list', '--status', 'failed', '--json')).stdout,
      ) as { id: number; eventId: string; attempts: number; lastError: string }[];
      expect(failed.map((d) => [d.eventId, d.attempts])).toEqual([[id, 3]]);
      expect(failed[0]!.lastError).toMatch(/answered 503/);
      const shown = JSON.parse(
        (await cli('deliveries', 'show', String(failed[0]!.id), '--json')).stdout,
      );
      expect(shown.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([
        503, 503, 503,
      ]);
      expect(shown.attempts[0].response).toBe('no');

      await rx.mode('app', 'ok');
      await sync.runOnce();
      expect((await rx.log('app')).filter((r) => r.id === id)).toHaveLength(3);
      expect(JSON.parse((await cli('deliveries', 'retry', '--all-failed')).stdout)).toEqual({
        retried: 1,
      });
      await sync.runOnce();
      expect((await rx.log('app')).filter((r) => r.id === id).map((r) => r.status)).toEqual([
        503, 503, 503, 200,
      ]);

      // Replay: sent again, even though delivered, and marked as a replay.
      const delivered = (await sync.store.deliveries().list({ limit: 1000, status: 'delivered' }))
        .length;
      const since = new Date(Date.parse(org.created_at) - 1000).toISOString();
      const replayed = JSON.parse(
        (await cli('deliveries', 'replay', '--since', since, '--destination', 'app')).stdout,
      ) as { replayed: number };
      expect(replayed.replayed).toBeGreaterThanOrEqual(1);
      expect(replayed.replayed).toBeLessThanOrEqual(delivered);
      await sync.runOnce();
      const again = (await rx.log('app')).filter((r) => r.replay === '1');
      expect(again).toHaveLength(replayed.replayed);
      expect(again.map((r) => r.id)).toContain(id);
      expect(again.every((r) => r.verified && r.status === 200)).toBe(true);

      // From an event id on: that event's delivery and those made after it, marked as the next
      // replay; one destination named that is not there replays nothing.
      const byId = JSON.parse((await cli('deliveries', 'replay', '--since', id)).stdout) as {
        replayed: number;
      };
      expect(byId.replayed).toBeGreaterThanOrEqual(1);
      await sync.runOnce();
      const second = (await rx.log('app')).filter((r) => r.replay === '2');
      expect(second.map((r) => r.id)).toContain(id);
      expect(
        JSON.parse(
          (await cli('deliveries', 'replay', '--since', id, '--destination', 'nope')).stdout,
        ),
      ).toEqual({ replayed: 0 });

      // Usage errors exit 2; an unknown subcommand is named.
      await expect(cli('deliveries', 'retry')).rejects.toMatchObject({ code: 2 });
      await expect(cli('deliveries', 'frob')).rejects.toMatchObject({
        code: 2,
        stderr: expect.stringContaining("unknown subcommand 'frob'"),
      });
      await expect(cli('deliveries', 'list', '--status', 'lost')).rejects.toMatchObject({
        code: 2,
      });
    } finally {
      await sync.close();
      await rx.close();
      await emu.close();
    }
  });

  it('a destination failing for longer than its window is disabled (its deliveries kept) until enabled again', async () => {
    const emu = await startEmulator({ seed: 74, events: 50 });
    const rx = await startReceiver();
    let offsetMs = 0;
    const sync = syncFor(emu, tempDb(), {
      settleMs: 0,
      clock: () => Date.now() + offsetMs,
      destinations: [
        {
          name: 'app',
          url: rx.at('app'),
          secrets: [SECRET],
          disableAfterDays: 1,
          schedule: ['1s'],
        },
      ],
    });
    try {
      await sync.runOnce();
      await rx.mode('app', 'down');
      await emulatorChange(emu, { op: 'organization.create', name: 'Disabled' });
      await sync.runOnce();
      const tries = (await rx.log('app')).length;
      expect((await openOf(sync, 'app')).failingSince).not.toBeNull();
      offsetMs = 2 * 86_400_000;
      await sync.runOnce();
      // Disabled: no attempt made, the delivery kept, status says so.
      expect((await rx.log('app')).length).toBe(tries);
      const state = await openOf(sync, 'app');
      expect([state.disabled, state.pending]).toEqual([true, 1]);
      await rx.mode('app', 'ok');
      await sync.runOnce();
      expect((await rx.log('app')).length).toBe(tries);
      await sync.store.deliveries().setDisabled('app', null);
      // Back to the real time (receivers check signature timestamps), once the retry is due.
      offsetMs = 0;
      await sleep(1300);
      await sync.runOnce();
      expect((await rx.log('app')).at(-1)!.status).toBe(200);
      expect(await openOf(sync, 'app')).toMatchObject({
        disabled: false,
        pending: 0,
        failingSince: null,
      });
    } finally {
      await sync.close();
      await rx.close();
      await emu.close();
    }
  });

  it('a database of the release before deliveries, with forwards still pending in its outbox, upgrades and delivers each of them', async () => {
    const emu = await startEmulator({ seed: 'schema-fixture', events: 1000 });
    const rx = await startReceiver();
    const db = tempDb();
    await loadRelease(db, release('sqlite', 9));
    // As that release's forwarder left them when the endpoint was down: pending, with errors.
    const events = await db.query<{ id: string; type: string }>(
      "SELECT id, type FROM authsync_events WHERE status = 'applied' ORDER BY position DESC LIMIT 40",
    );
    for (const e of events)
      await db.query(
        `INSERT INTO authsync_outbox (event_id, type, data, attempts, next_attempt_at, last_error, done) VALUES ('${e.id}', '${e.type}', '${JSON.stringify({ id: e.id, event: e.type })}', 3, 0, 'the endpoint answered 503', 0)`,
      );
    const sync = syncFor(emu, db, {
      settleMs: 0,
      importOnFirstRun: false,
      forward: { url: rx.at('app'), secret: SECRET },
    });
    try {
      await sync.runOnce();
      const got = new Set((await rx.log('app')).filter((r) => r.status === 200).map((r) => r.id));
      for (const e of events) expect(got.has(e.id), e.id).toBe(true);
      const rows = await sync.store.deliveries().list({ limit: 10_000 });
      expect(
        rows.filter((d) => d.destination === 'default' && d.status === 'delivered').length,
      ).toBeGreaterThanOrEqual(events.length);
      // Adopted once: a second run sends none of them again.
      const count = (await rx.log('app')).length;
      await sync.close();
      const again = syncFor(emu, db, {
        settleMs: 0,
        forward: { url: rx.at('app'), secret: SECRET },
      });
      await again.runOnce();
      expect((await rx.log('app')).length).toBe(count);
      // Nor once their deliveries are pruned (the outbox rows are done, their bodies let go).
      expect(await again.store.deliveries().prune(Date.now() + 1)).toBeGreaterThan(0);
      await again.close();
      const later = syncFor(emu, db, {
        settleMs: 0,
        forward: { url: rx.at('app'), secret: SECRET },
      });
      await later.runOnce();
      await later.close();
      expect((await rx.log('app')).length).toBe(count);
      expect(
        await db.query(
          `SELECT event_id FROM authsync_outbox WHERE done = 0 OR data <> '' AND event_id IN (${events.map((e) => `'${e.id}'`).join(', ')})`,
        ),
      ).toEqual([]);
    } finally {
      await sync.close().catch(() => {});
      await rx.close();
      await emu.close();
    }
  });
});
