import { describe, expect, it } from 'vitest';
import { startAuth0Emulator } from '../../src/emulator/auth0/server.js';
import { Auth0LogsReader, logIdAt, logIdMs } from '../../src/providers/auth0/logs-reader.js';
import { auth0Api } from '../../src/providers/auth0/http.js';
import { Auth0Tokens } from '../../src/providers/auth0/token.js';
import { silentLogger } from '../../src/engine/ports.js';
import { auth0Differences, auth0SyncFor } from '../helpers/auth0-truth.js';
import { tempDb } from '../helpers/test-db.js';

describe('Auth0 logs read in time slices', () => {
  it('a log id tells when it was stored: 900 + UTC YYYYMMDDHHMMSS (NaN for any other id)', () => {
    // A recorded id (the brief's [REC]).
    expect(logIdMs('90020230602105805996607000000000000001223372045029306413')).toBe(
      Date.parse('2023-06-02T10:58:05Z'),
    );
    expect(logIdMs(logIdAt('2026-12-07T21:15:36.980Z'))).toBe(Date.parse('2026-12-07T21:15:36Z'));
    for (const id of ['123', '90020231302105805', '9002023060299', '', '800' + '2'.repeat(53)])
      expect(logIdMs(id)).toBeNaN();
  });

  it('a range holds exactly the logs stamped from its start second to its end second, across pages', async () => {
    const emu = await startAuth0Emulator({ seed: 'ranges', changes: 600, hours: 2, apiOnly: true });
    try {
      const connection = {
        origin: emu.url,
        clientId: emu.clientId,
        clientSecret: emu.clientSecret,
      };
      const http = auth0Api({
        origin: emu.url,
        tokens: new Auth0Tokens(connection),
        logger: silentLogger,
      });
      const reader = new Auth0LogsReader(http, { requestsPerSecond: 1000 });
      expect(reader.timeRanges).toBe(true);
      const logs = emu.emulator.tenant.logs.visible(Date.now());
      const start = new Date(logIdMs(logs[100]!.log_id) + 250).toISOString();
      const end = new Date(logIdMs(logs[400]!.log_id) + 750).toISOString();
      const read: string[] = [];
      let cursor: { after: string | null; rangeStart: string | null; rangeEnd: string } = {
        after: null,
        rangeStart: start,
        rangeEnd: end,
      };
      for (;;) {
        const page = (await reader.readPage(cursor, 50)) as { log_id: string }[];
        read.push(...page.map((l) => l.log_id));
        if (page.length < 50) break;
        cursor = { after: page.at(-1)!.log_id, rangeStart: null, rangeEnd: end };
      }
      const second = (iso: string) => Math.floor(Date.parse(iso) / 1000) * 1000;
      const want = logs
        .map((l) => l.log_id)
        .filter((id) => logIdMs(id) >= second(start) && logIdMs(id) <= second(end));
      expect(want.length).toBeGreaterThan(250);
      expect(read).toEqual(want);
      // One cursor spends a budget of two requests a second or less whole: no slices there.
      expect(new Auth0LogsReader(http, { requestsPerSecond: 100 / 60 }).timeRanges).toBe(false);
    } finally {
      await emu.close();
    }
  });

  for (const [budget, sliced] of [
    [960, true],
    [100, false],
  ] as const)
    it(`a backlog with a budget of ${budget} requests a minute is read ${sliced ? 'in slices side by side' : 'by one cursor'}: every log once, tables equal to the tenant`, async () => {
      const emu = await startAuth0Emulator({
        seed: `slices-${budget}`,
        changes: 1200,
        hours: 12,
        apiOnly: true,
        indexingDelayMs: 20,
        indexingJitterMs: 400,
        faults: { latencyMs: 20 },
      });
      const db = tempDb('sqlite');
      const said: string[] = [];
      const sync = auth0SyncFor(emu, db, {
        importOnFirstRun: false,
        settleMs: 1000,
        logger: { info: (m) => void said.push(m), warn() {}, error() {} },
        auth0: { rateLimit: { requests: budget, windowMs: 60_000, burst: 100 } },
      });
      try {
        await new Promise((r) => setTimeout(r, 1500));
        const result = await sync.runOnce();
        const logs = emu.emulator.tenant.logs.indexed;
        expect(said.includes('catching up a backlog in parallel slices')).toBe(sliced);
        expect(result.applied).toBe(logs.length);
        expect(result.fetched - result.duplicates).toBe(logs.length);
        const inbox = await db.query<{ id: string }>('SELECT id FROM authsync_events ORDER BY id');
        expect(inbox.map((e) => e.id)).toEqual(logs.map((l) => l.log_id));
        expect(await auth0Differences(emu, db)).toEqual([]);
      } finally {
        await sync.close();
        await emu.close();
      }
    });
});
