import { describe, expect, it } from 'vitest';
import { startAuth0Emulator } from '../../src/emulator/auth0/server.js';
import type { Auth0Log } from '../../src/emulator/auth0/log-store.js';
import { appEndpoint, byLane, FORWARD_SECRET } from '../helpers/app-endpoint.js';
import { auth0SyncFor } from '../helpers/auth0-truth.js';
import { tempDb } from '../helpers/test-db.js';

const pathOf = (log: Auth0Log) =>
  ((log.details as { request?: { path?: string } }).request?.path ?? '').split('/');
const methodOf = (log: Auth0Log) =>
  ((log.details as { request?: { method?: string } }).request?.method ?? '').toUpperCase();

describe('forwarding Auth0 logs to the application', () => {
  it('each log once, in log_id order within its lane, its log_id the delivery id; filtered by type, API path and method', async () => {
    const emu = await startAuth0Emulator({ seed: 'forward', changes: 400, hours: 2 });
    const all = await appEndpoint();
    const filtered = await appEndpoint();
    const sync = auth0SyncFor(emu, tempDb('sqlite'), {
      importOnFirstRun: false,
      settleMs: 0,
      forward: { url: all.url, secret: FORWARD_SECRET },
    });
    const onlyMembers = auth0SyncFor(emu, tempDb('sqlite'), {
      importOnFirstRun: false,
      settleMs: 0,
      forward: { url: filtered.url, secret: FORWARD_SECRET, events: ['sapi'] },
      env: {
        AUTHSYNC_FORWARD_API_PATHS: 'organizations/*/members',
        AUTHSYNC_FORWARD_API_METHODS: 'post,delete',
      },
    });
    try {
      await sync.runOnce();
      await onlyMembers.runOnce();
      const logs = emu.emulator.tenant.logs.indexed;
      const delivered = all.deliveries.map((d) => d.id);
      expect(await byLane(sync, delivered)).toEqual(
        await byLane(
          sync,
          logs.map((l) => l.log_id),
        ),
      );
      expect(new Set(delivered).size).toBe(logs.length);
      expect(all.deliveries.every((d) => d.status === 200)).toBe(true);
      for (const d of all.deliveries.slice(0, 20)) expect(JSON.parse(d.body).log_id).toBe(d.id);
      // Member adds and removals (and members' roles, below a member) through the Management API.
      const wanted = logs.filter((l) => {
        const p = pathOf(l);
        return (
          l.type === 'sapi' &&
          p[3] === 'organizations' &&
          p[5] === 'members' &&
          ['POST', 'DELETE'].includes(methodOf(l))
        );
      });
      expect(wanted.length).toBeGreaterThan(20);
      expect(
        await byLane(
          onlyMembers,
          filtered.deliveries.map((d) => d.id),
        ),
      ).toEqual(
        await byLane(
          onlyMembers,
          wanted.map((l) => l.log_id),
        ),
      );
    } finally {
      await sync.close();
      await onlyMembers.close();
      await all.close();
      await filtered.close();
      await emu.close();
    }
  });

  it('the filter is refused for a WorkOS source and when malformed, naming the setting', async () => {
    const emu = await startAuth0Emulator({ seed: 'forward-bad', changes: 5 });
    try {
      for (const [env, message] of [
        [{ AUTHSYNC_FORWARD_API_PATHS: 'users?x=1' }, /AUTHSYNC_FORWARD_API_PATHS/],
        [{ AUTHSYNC_FORWARD_API_METHODS: 'get' }, /AUTHSYNC_FORWARD_API_METHODS/],
      ] as const)
        expect(() => auth0SyncFor(emu, tempDb('sqlite'), { env })).toThrow(message);
      const { createSync } = await import('../../src/create-sync.js');
      expect(() =>
        createSync({
          ...tempDb('sqlite').options,
          apiKey: 'sk_test_x',
          env: { AUTHSYNC_FORWARD_API_PATHS: 'users' },
        }),
      ).toThrow(/this source reads WorkOS/);
    } finally {
      await emu.close();
    }
  });
});
