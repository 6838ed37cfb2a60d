import { describe, expect, it } from 'vitest';
import { startAuth0Emulator } from '../../src/emulator/auth0/server.js';
import { CredentialsRefusedError } from '../../src/http/get-json.js';
import { Auth0Tokens } from '../../src/providers/auth0/token.js';

describe('Management API tokens (client credentials)', () => {
  it('a failing token endpoint is tried five times, waits doubling between them and none after the last; a wrong secret once', async () => {
    const emu = await startAuth0Emulator({ seed: 'tokens', changes: 5, apiOnly: true });
    const connection = { origin: emu.url, clientId: emu.clientId, clientSecret: emu.clientSecret };
    let calls = 0;
    let failUntil = 0;
    // The real endpoint, failing with a 5xx (the emulator's fault) for the first calls.
    const countingFetch: typeof fetch = (input, init) => {
      emu.emulator.faults.update({ errorRate: ++calls <= failUntil ? 1 : 0 });
      return fetch(input, init);
    };
    const waits: number[] = [];
    const sleep = async (ms: number) => void waits.push(ms);
    try {
      failUntil = 3;
      const recovering = new Auth0Tokens(connection, { fetch: countingFetch, sleep });
      await expect(recovering.authorization()).resolves.toMatch(/^Bearer ./);
      expect(calls).toBe(4);
      expect(waits).toHaveLength(3);
      waits.forEach((ms, i) => expect(ms).toBeLessThan(500 * 2 ** i));

      calls = 0;
      waits.length = 0;
      failUntil = 100;
      const failing = new Auth0Tokens(connection, { fetch: countingFetch, sleep });
      await expect(failing.authorization()).rejects.toThrow(
        /^Could not get a Management API token from http:\/\/127\.0\.0\.1:\d+\/oauth\/token in 5 attempts; last: 50\d$/,
      );
      expect(calls).toBe(5);
      expect(waits).toHaveLength(4);

      calls = 0;
      failUntil = 0;
      const wrong = new Auth0Tokens(
        { ...connection, clientSecret: 'not-the-secret' },
        { fetch: countingFetch, sleep },
      );
      const refused = await wrong.authorization().catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(CredentialsRefusedError);
      expect(String(refused)).not.toContain('not-the-secret');
      expect(calls).toBe(1);
    } finally {
      await emu.close();
    }
  });
});
