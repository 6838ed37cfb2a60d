import { describe, expect, it } from 'vitest';
import { startAuth0Emulator } from '../../src/emulator/auth0/server.js';
import { auth0Differences, auth0SyncFor } from '../helpers/auth0-truth.js';
import { tempDb } from '../helpers/test-db.js';

describe('an Auth0 tenant that misbehaves', () => {
  it('429s (waited out as x-ratelimit-reset says), 5xx, resets, truncated bodies and tokens expiring mid-run: no log lost, none applied twice', async () => {
    const emu = await startAuth0Emulator({
      seed: 'faults',
      changes: 1500,
      hours: 3,
      apiOnly: true,
      // Logs in a small bucket: a catch-up meets 429s, however slow the machine (5 requests
      // a second refill it; at 1,200 a minute a loaded machine read slower than that, once).
      rateLimits: { logs: { burst: 4, perMinute: 300 }, other: { burst: 100, perMinute: 6000 } },
      faults: { errorRate: 0.1, resetRate: 0.05, truncateRate: 0.05 },
    });
    const db = tempDb('sqlite');
    const retries: string[] = [];
    const note = (message: string, fields?: Record<string, unknown>) =>
      void retries.push(`${message} ${String(fields?.problem ?? '')}`);
    const sync = auth0SyncFor(emu, db, {
      importOnFirstRun: false,
      settleMs: 0,
      // The emulator's faults come from one seeded sequence, which holds six in a row; met by
      // one request (the other readers done or waiting), 30 s waits would make the run a minute.
      auth0: { maxAttempts: 30, maxRetryDelayMs: 1000 },
      logger: { info() {}, warn: note, error: note },
    });
    // Every token expires every 1.5 s, unknown to the client (a few times in this run). Not
    // faster: a client refreshes at most three times per request, and on a loaded machine a
    // refresh and the request after it took longer than 300 ms three times in a row.
    const expiry = setInterval(() => emu.emulator.tokens.expireAll(), 1500);
    try {
      const result = await sync.runOnce();
      clearInterval(expiry);
      const logs = emu.emulator.tenant.logs.indexed;
      expect(result.applied).toBe(logs.length);
      expect(result.deadLettered).toBe(0);
      const inbox = await db.query<{ id: string }>('SELECT id FROM authsync_events ORDER BY id');
      expect(inbox.map((e) => e.id)).toEqual(logs.map((l) => l.log_id));
      expect(await auth0Differences(emu, db)).toEqual([]);
      // The faults were met, not avoided.
      expect(retries.some((r) => r.includes('429'))).toBe(true);
      expect(retries.some((r) => /5\d\d|reset|socket|terminated|JSON/i.test(r))).toBe(true);
      expect(retries.some((r) => r.includes('token refused (401)'))).toBe(true);
    } finally {
      clearInterval(expiry);
      await sync.close();
      await emu.close();
    }
  });

  it('the retry settings given for every provider hold for Auth0; its own win', async () => {
    const emu = await startAuth0Emulator({ seed: 'retries', changes: 20, apiOnly: true });
    const db = tempDb('sqlite');
    const failing = auth0SyncFor(emu, db, { importOnFirstRun: false, maxAttempts: 2 });
    const own = auth0SyncFor(emu, db, {
      importOnFirstRun: false,
      maxAttempts: 2,
      auth0: { maxAttempts: 3, maxRetryDelayMs: 1 },
    });
    try {
      // Each holds a token; then every answer is a 5xx.
      await failing.runOnce();
      await own.runOnce();
      emu.emulator.faults.update({ errorRate: 1 });
      await expect(failing.runOnce()).rejects.toThrow(
        /GET \/api\/v2\/logs failed 2 times; last: 50\d from/,
      );
      await expect(own.runOnce()).rejects.toThrow(/GET \/api\/v2\/logs failed 3 times/);
    } finally {
      await failing.close();
      await own.close();
      await emu.close();
    }
  });

  it('a missing scope stops the sync, naming the scopes Auth0 expected', async () => {
    const emu = await startAuth0Emulator({ seed: 'scopes', changes: 20, scopes: ['read:users'] });
    const sync = auth0SyncFor(emu, tempDb('sqlite'), { importOnFirstRun: false });
    try {
      await expect(sync.runOnce()).rejects.toThrow(
        /\(403\)\. It said: Insufficient scope, expected any of: read:logs,read:logs_users\./,
      );
    } finally {
      await sync.close();
      await emu.close();
    }
  });
});
