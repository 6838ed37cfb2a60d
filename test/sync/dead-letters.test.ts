import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { emulatorChange, syncFor } from '../helpers/sync-env.js';
import { STORE_KINDS, tempDb } from '../helpers/test-db.js';
import { differencesFromApi, truthFromDatabase } from '../helpers/truth.js';

for (const kind of STORE_KINDS)
  describe(`poison events and lanes (${kind})`, () => {
    it('a poison event blocks only its organization lane, visibly; skip resolves it and the lane catches up in order', async () => {
      const emu = await startEmulator({ seed: 51, events: 1000 });
      const path = tempDb(kind);
      const sync = syncFor(emu, path, { importOnFirstRun: false, settleMs: 0 });
      try {
        await sync.runOnce();
        const orgA = await emulatorChange(emu, { op: 'organization.create', name: 'Poisoned Org' });
        const orgB = await emulatorChange(emu, { op: 'organization.create', name: 'Healthy Org' });
        const user = await emulatorChange(emu, {
          op: 'user.create',
          email: 'lane.test@example.com',
        });
        // A membership event the projection cannot apply (no role): poison in A's lane.
        const poison = await emulatorChange(emu, {
          op: 'event.inject',
          type: 'organization_membership.updated',
          organization_id: orgA.id,
          data: {
            object: 'organization_membership',
            id: 'om_poison',
            organization_id: orgA.id,
            user_id: user.id,
            status: 'active',
          },
        });
        const mA = await emulatorChange(emu, {
          op: 'organization_membership.create',
          organization_id: orgA.id,
          user_id: user.id,
        });
        await emulatorChange(emu, {
          op: 'organization_membership.update',
          id: mA.id,
          role_slug: 'admin',
        });
        await emulatorChange(emu, {
          op: 'organization.update',
          id: orgA.id,
          name: 'Poisoned Org, renamed',
        });
        const mB = await emulatorChange(emu, {
          op: 'organization_membership.create',
          organization_id: orgB.id,
          user_id: user.id,
        });

        const result = await sync.runOnce();
        expect(result.deadLettered).toBe(1);
        expect(result.waiting).toBe(3);
        const status = await sync.store.status();
        expect(status.deadLetters).toBe(1);
        expect(status.inbox.pending).toBe(3);
        const letters = await sync.store.deadLetters();
        expect(letters).toMatchObject([
          { eventId: poison.id, type: 'organization_membership.updated', lane: orgA.id },
        ]);
        expect(letters[0]!.error).toMatch(/role/);
        // B's lane and the lane of user events went on; A's waits.
        const db = await truthFromDatabase(path);
        expect(db.workos_organization_memberships!.has(mB.id)).toBe(true);
        expect(db.workos_organization_memberships!.has(mA.id)).toBe(false);
        expect(db.workos_users!.has(user.id)).toBe(true);

        // Retrying a still-broken event says so and changes nothing.
        await expect(sync.engine.retryDeadLetter(poison.id)).rejects.toThrow(/still fails.*skip/);
        expect((await sync.store.status()).deadLetters).toBe(1);

        const skipped = await sync.engine.skipDeadLetter(poison.id);
        expect(skipped).toEqual({ applied: 3, stillBlocked: false });
        expect((await sync.store.status()).deadLetters).toBe(0);
        expect((await sync.store.status()).inbox.skipped).toBe(1);
        expect(await differencesFromApi(emu, path)).toEqual([]);
        // The lane is open again for new events.
        await emulatorChange(emu, {
          op: 'organization_membership.update',
          id: mA.id,
          role_slug: 'member',
        });
        expect((await sync.runOnce()).applied).toBe(1);
        expect(await differencesFromApi(emu, path)).toEqual([]);
      } finally {
        await sync.close();
        await emu.close();
      }
    });
  });

for (const kind of STORE_KINDS)
  describe(`library handlers (${kind})`, () => {
    it('run after commit once per event, not for the first import, not on replay; a failing one retries and holds up no other', async () => {
      const emu = await startEmulator({ seed: 52, events: 800 });
      const path = tempDb(kind);
      const calls: string[] = [];
      // The handler fails until the test has seen the effect wait (a fixed count of failures
      // would race the retry: on a loaded machine one drain can outlast the backoff).
      let failing = true;
      let failures = 0;
      const sync = syncFor(emu, path, { settleMs: 0 })
        .on('user.created', (e) => {
          calls.push(e.id);
        })
        .on(
          'organization.created',
          (e) => {
            if (failing && (e.data as { name?: string }).name === 'Effects Org') {
              failures++;
              throw new Error('handler down');
            }
          },
          { schedule: ['1s', '1s', '1s'] },
        );
      const retrying = async () =>
        (await sync.store.deliveries().backlog()).find(
          (b) => b.destination === 'on_organization_created',
        )?.retrying ?? 0;
      try {
        const first = await sync.runOnce();
        expect(first.imported).toBeGreaterThan(0);
        const importedUsersEvents = calls.length;
        emu.emulator.generateNow(400);
        const created: string[] = [];
        for (let i = 800; i < emu.emulator.world.events.length; i++) {
          const e = emu.emulator.world.events.at(i)!;
          if (e.type === 'user.created') created.push(e.id);
        }
        await sync.runOnce();
        // Only events after the import ran handlers (overlap events of the import count too).
        expect(calls.slice(importedUsersEvents)).toEqual(created);
        await sync.replay(new Date(Date.now() - 3600_000).toISOString());
        expect(calls.slice(importedUsersEvents)).toEqual(created);
        // A failing handler is retried on its schedule, not lost; it holds up neither the rows
        // nor another handler.
        const org = await emulatorChange(emu, { op: 'organization.create', name: 'Effects Org' });
        const user = await emulatorChange(emu, {
          op: 'user.create',
          email: 'after-the-failure@example.com',
        });
        await sync.runOnce();
        expect((await truthFromDatabase(path)).workos_organizations!.has(org.id)).toBe(true);
        expect(await retrying()).toBe(1);
        expect(failures).toBeGreaterThanOrEqual(1);
        expect(calls.at(-1)).toBe(
          emu.emulator.world.events.at(emu.emulator.world.events.length - 1)!.id,
        );
        expect(user.id).toMatch(/^user_/);
        failing = false;
        // Retried after its schedule's wait (1 s ±20%).
        await new Promise((r) => setTimeout(r, 1500));
        await sync.runOnce();
        expect(await retrying()).toBe(0);
        const [done] = await sync.store
          .deliveries()
          .list({ destination: 'on_organization_created', limit: 1 });
        expect(done).toMatchObject({ status: 'delivered', attempts: failures + 1 });
      } finally {
        await sync.close();
        await emu.close();
      }
    });
  });
