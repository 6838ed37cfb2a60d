import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { startPostgres } from '../helpers/postgres-server.js';
import { waitFor } from '../helpers/serve-env.js';
import { syncFor } from '../helpers/sync-env.js';
import { postgresDb } from '../helpers/test-db.js';
import { diffTruths, truthFromApi, truthFromDatabase } from '../helpers/truth.js';

describe('PostgreSQL restarted during a sync', () => {
  it('the engine waits, reconnects and resumes; every event is applied once', async () => {
    const server = await startPostgres();
    const emu = await startEmulator({ seed: 97, events: 20_000 });
    const errors: string[] = [];
    const sync = syncFor(emu, server.url, {
      importOnFirstRun: false,
      settleMs: 0,
      pollIntervalMs: 200,
      logger: { info() {}, warn() {}, error: (m, f) => void errors.push(`${m} ${f?.error}`) },
    });
    const controller = new AbortController();
    let running: Promise<void> | null = null;
    try {
      await sync.migrate();
      running = sync.run(controller.signal);
      // Mid catch-up (20,000 events take seconds here): the server goes away at once, and back.
      await waitFor(async () => ((await sync.store.status()).inbox.applied ?? 0) > 2000, 20_000);
      server.restart('immediate');
      await waitFor(() => errors.length > 0, 10_000);
      const db = postgresDb(server.url);
      const truth = await truthFromApi(emu.url, emu.apiKey);
      await waitFor(
        async () =>
          (await sync.store.status().catch(() => null))?.inbox.applied === 20_000 &&
          diffTruths(truth, await truthFromDatabase(db)).length === 0,
        60_000,
        async () => (await sync.store.status().catch(() => null))?.inbox,
      );
      expect(errors.some((e) => /sync step failed/.test(e))).toBe(true);
      expect((await sync.store.status()).inbox).toEqual({ applied: 20_000 });
    } finally {
      controller.abort();
      await running;
      await sync.close();
      await emu.close();
      server.stop();
    }
  }, 120_000);
});
