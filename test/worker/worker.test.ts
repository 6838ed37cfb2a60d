import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { dumpTables } from '../helpers/sync-env.js';
import { differencesFromApi } from '../helpers/truth.js';
import { bundleWorker, startWorker } from '../helpers/worker-env.js';

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

  for (const seed of [1, 2]) {
    it(`imports, then follows the stream: tables equal the emulator's state (seed ${seed})`, async () => {
      const emu = await startEmulator({ seed, events: 3000 });
      const { path } = await bundleWorker();
      const worker = await startWorker(emu, { script: path, vars: { AUTHSYNC_SETTLE_MS: '0' } });
      try {
        await worker.scheduled();
        expect(await differencesFromApi(emu, worker.db)).toEqual([]);
        emu.emulator.generateNow(1200);
        await worker.scheduled();
        expect(await differencesFromApi(emu, worker.db)).toEqual([]);
        const before = await dumpTables(worker.db);
        await worker.scheduled();
        expect(await dumpTables(worker.db)).toBe(before);
        const status = (await (await worker.fetch('/status')).json()) as any;
        expect(status.lastError).toBeNull();
        expect(status.inbox.applied).toBeGreaterThanOrEqual(1200);
      } finally {
        await worker.close();
        await emu.close();
      }
    });
  }
});
