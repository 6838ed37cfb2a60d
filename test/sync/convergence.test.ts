import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSync } from '../../src/index.js';
import { startEmulator } from '../../src/emulator/index.js';
import { diffTruths, truthFromApi, truthFromDatabase } from '../helpers/truth.js';

const dbPath = () => join(mkdtempSync(join(tmpdir(), 'authsync-')), 'sync.db');

describe('sync converges to the emulator state', () => {
  for (const seed of [1, 2, 3]) {
    it(`from the whole event stream (seed ${seed})`, async () => {
      const emu = await startEmulator({ seed, events: 4000 });
      const path = dbPath();
      const sync = createSync({
        apiUrl: emu.url,
        apiKey: emu.apiKey,
        databaseUrl: path,
        importOnFirstRun: false,
        settleMs: 0,
        env: {},
      });
      try {
        const result = await sync.runOnce();
        expect(result.fetched).toBe(4000);
        expect(result.applied).toBe(4000);
        expect(
          diffTruths(await truthFromApi(emu.url, emu.apiKey), truthFromDatabase(path)).slice(0, 20),
        ).toEqual([]);
      } finally {
        await sync.close();
        await emu.close();
      }
    });
  }
});
