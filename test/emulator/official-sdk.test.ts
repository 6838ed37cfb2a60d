import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  RateLimitExceededException,
  UnauthorizedException,
  UnprocessableEntityException,
  WorkOS,
} from '@workos-inc/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';

/** The official SDK pointed at the emulator, as wire.md describes. */
function sdk(emu: RunningEmulator, key = emu.apiKey): WorkOS {
  const { hostname, port } = new URL(emu.url);
  return new WorkOS(key, { apiHostname: hostname, port: Number(port), https: false });
}

// The SDK types require an explicit list of event names; this is every type the emulator makes.
const ALL_TYPES = [
  'user.created',
  'user.updated',
  'user.deleted',
  'organization.created',
  'organization.updated',
  'organization.deleted',
  'organization_domain.created',
  'organization_domain.updated',
  'organization_domain.deleted',
  'organization_domain.verified',
  'organization_domain.verification_failed',
  'organization_membership.created',
  'organization_membership.updated',
  'organization_membership.deleted',
  'invitation.created',
  'invitation.accepted',
  'invitation.revoked',
  'invitation.resent',
  'role.created',
  'role.updated',
  'role.deleted',
  'organization_role.created',
  'organization_role.updated',
  'organization_role.deleted',
  'connection.activated',
  'connection.deactivated',
  'connection.deleted',
  'dsync.activated',
  'dsync.deleted',
  'dsync.user.created',
  'dsync.user.updated',
  'dsync.user.deleted',
  'dsync.group.created',
  'dsync.group.updated',
  'dsync.group.deleted',
  'dsync.group.user_added',
  'dsync.group.user_removed',
  'session.created',
  'session.revoked',
  'authentication.password_succeeded',
  'authentication.password_failed',
  'email_verification.created',
  'magic_auth.created',
  'password_reset.created',
] as const;

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ seed: 'sdk', events: 2500 });
});
afterAll(() => emu.close());

describe('the official @workos-inc/node SDK against the emulator', () => {
  it('pages through listEvents and receives every event once, in order', async () => {
    const workos = sdk(emu);
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await workos.events.listEvents({
        events: [...ALL_TYPES] as never,
        after,
        limit: 100,
        order: 'asc',
      });
      seen.push(...page.data.map((e) => e.id));
      if (page.data.length === 0) break;
      after = page.data[page.data.length - 1]!.id;
      if (!page.listMetadata.after) break;
    }
    expect(seen).toHaveLength(2500);
    expect(new Set(seen).size).toBe(2500);
    expect([...seen].sort()).toEqual(seen);
  });

  it('its events filter (sent comma-joined) and organization filter work', async () => {
    const workos = sdk(emu);
    const page = await workos.events.listEvents({
      events: ['user.created', 'user.deleted'],
      limit: 100,
      order: 'asc',
    });
    expect(page.data.length).toBeGreaterThan(0);
    expect(page.data.every((e) => e.event === 'user.created' || e.event === 'user.deleted')).toBe(
      true,
    );
    const org = [...emu.emulator.world.organizations.values()][0]!;
    const orgPage = await workos.events.listEvents({
      events: [...ALL_TYPES] as never,
      organizationId: org.id,
      limit: 100,
    });
    expect(orgPage.data.length).toBeGreaterThan(0);
    expect(orgPage.data.some((e) => e.event.startsWith('user.'))).toBe(false);
  });

  // autoPagination() fetches every page (100 at a time, 350 ms apart) only when no limit is given.
  it('lists users, organizations and memberships with auto-pagination', async () => {
    const workos = sdk(emu);
    const w = emu.emulator.world;
    const users = await (await workos.userManagement.listUsers()).autoPagination();
    expect(users.map((u) => u.id).sort()).toEqual([...w.users.values()].map((u) => u.id).sort());
    const orgs = await (await workos.organizations.listOrganizations()).autoPagination();
    expect(orgs).toHaveLength(w.organizations.size);
    expect(orgs.every((o) => Array.isArray(o.domains))).toBe(true);
    const org = [...w.organizations.values()].find(
      (o) => w.memberships.where('organization', o.id).length > 0,
    )!;
    const memberships = await (
      await workos.userManagement.listOrganizationMemberships({ organizationId: org.id })
    ).autoPagination();
    expect(memberships.map((m) => m.id).sort()).toEqual(
      w.memberships
        .where('organization', org.id)
        .map((m) => m.id)
        .sort(),
    );
  });

  it('creates, updates and deletes through the SDK, and each change is an event', async () => {
    const workos = sdk(emu);
    const before = emu.emulator.world.events.length;
    const org = await workos.organizations.createOrganization({ name: 'SDK Org' });
    const user = await workos.userManagement.createUser({
      email: 'sdk.person@example.com',
      firstName: 'Sdk',
    });
    const updated = await workos.userManagement.updateUser({ userId: user.id, lastName: 'Person' });
    expect(updated.lastName).toBe('Person');
    const membership = await workos.userManagement.createOrganizationMembership({
      organizationId: org.id,
      userId: user.id,
      roleSlug: 'admin',
    });
    expect(membership.role.slug).toBe('admin');
    await workos.userManagement.deleteOrganizationMembership(membership.id);
    await workos.userManagement.deleteUser(user.id);
    const types: string[] = [];
    for (let i = before; i < emu.emulator.world.events.length; i++)
      types.push(emu.emulator.world.events.at(i)!.type);
    expect(types).toEqual([
      'organization.created',
      'user.created',
      'user.updated',
      'organization_membership.created',
      'organization_membership.deleted',
      'user.deleted',
    ]);
  });

  it('401, 422 and 429 arrive as the SDK exception classes', async () => {
    await expect(
      sdk(emu, 'sk_test_wrong').events.listEvents({ events: ['user.created'] }),
    ).rejects.toBeInstanceOf(UnauthorizedException);
    await expect(
      sdk(emu).events.listEvents({ events: ['user.created'], limit: 1000 }),
    ).rejects.toBeInstanceOf(UnprocessableEntityException);
    const limited = await startEmulator({
      seed: 1,
      events: 5,
      faults: { rateLimit: { requests: 2, windowMs: 60_000 } },
    });
    try {
      const client = sdk(limited);
      await client.events.listEvents({ events: ['user.created'] });
      await client.events.listEvents({ events: ['user.created'] });
      const error = await client.events
        .listEvents({ events: ['user.created'] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RateLimitExceededException);
      expect((error as RateLimitExceededException).retryAfter).toBeGreaterThanOrEqual(1);
    } finally {
      await limited.close();
    }
  });

  it('webhooks.constructEvent accepts the emulator deliveries', async () => {
    const secret = 'whsec_sdk_test_secret';
    const received: { body: string; signature: string }[] = [];
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          body: Buffer.concat(chunks).toString('utf8'),
          signature: String(req.headers['workos-signature']),
        });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const hooked = await startEmulator({ seed: 2, webhooks: { url, secret } });
    try {
      hooked.emulator.generateNow(25);
      await hooked.emulator.webhooks.idle();
      expect(received).toHaveLength(25);
      const workos = sdk(hooked);
      for (const delivery of received) {
        const event = await workos.webhooks.constructEvent({
          payload: JSON.parse(delivery.body),
          sigHeader: delivery.signature,
          secret,
        });
        expect(event.id).toMatch(/^event_/);
      }
      await expect(
        workos.webhooks.constructEvent({
          payload: JSON.parse(received[0]!.body),
          sigHeader: received[0]!.signature,
          secret: 'other',
        }),
      ).rejects.toThrow();
    } finally {
      await hooked.close();
      server.close();
    }
  });
});
