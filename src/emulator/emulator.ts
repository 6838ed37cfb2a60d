import { randomBytes } from 'node:crypto';
import { Faults, type FaultSettings } from './faults.js';
import { Random } from './random.js';
import { ScenarioGenerator } from './scenario/generator.js';
import { generateHistory } from './scenario/history.js';
import { World } from './state/world.js';
import { WebhookDeliverer, type WebhookSettings } from './webhooks.js';

export interface EmulatorOptions {
  /** Seed of the generated history and of every random choice (default 1). */
  seed?: string | number;
  /** Events of generated history to build before serving (default 0). */
  events?: number;
  /** The history's `created_at` spreads over this many past days (default 30). */
  days?: number;
  /** Where the history ends (default: now). Fix it to get byte-identical streams. */
  historyEndsAtMs?: number;
  /** The key `Authorization: Bearer` must carry (default: a random `sk_test_...`). */
  apiKey?: string;
  /** An event stays invisible to `GET /events` for this many ms after it is created (default 0). */
  settleMs?: number;
  /**
   * Plus a random 0..N ms more per event, so events can become visible out of order — a
   * reader that trusts "nothing newer" too soon skips the late one (default 0).
   */
  settleJitterMs?: number;
  /** Keep producing this many new events per second while serving (default 0). */
  rate?: number;
  faults?: Partial<FaultSettings>;
  webhooks?: Partial<WebhookSettings>;
  /**
   * Behave as another implementation of the WorkOS API may, within the published reference
   * (`EmulatorVariant`): for testing that a consumer survives more than our own reading of it.
   */
  variant?: EmulatorVariant;
  /** Called while history is generated, with the count so far. */
  onProgress?: (generated: number, total: number) => void;
  clock?: () => number;
}

export interface EmulatorVariant {
  /** Roles lists come in pages of this many, with `list_metadata.after` (the spec has no paging). */
  rolesPageSize?: number;
  /** A directory user's `groups` entries carry only `object`, `id` and `name`. */
  briefGroups?: boolean;
  /** `GET /events` ignores `range_start` and `range_end` (optional parameters may be ignored). */
  ignoresRanges?: boolean;
  /**
   * A domain added, verified or deleted emits only `organization_domain.*`: the organization's
   * `domains` change with no organization event and its `updated_at` unchanged.
   */
  silentDomainChanges?: boolean;
}

/** The emulated WorkOS environment, independent of HTTP: state, stream, faults and webhooks. */
export class Emulator {
  readonly world: World;
  readonly apiKey: string;
  readonly settleMs: number;
  readonly faults: Faults;
  readonly webhooks: WebhookDeliverer;
  readonly clock: () => number;
  readonly variant: EmulatorVariant;
  private readonly generator: ScenarioGenerator;
  private liveTimer: NodeJS.Timeout | null = null;

  constructor(options: EmulatorOptions = {}) {
    const seed = options.seed ?? 1;
    this.clock = options.clock ?? Date.now;
    this.world = new World(seed, this.clock);
    this.variant = options.variant ?? {};
    this.world.briefGroups = this.variant.briefGroups ?? false;
    this.world.silentDomainChanges = this.variant.silentDomainChanges ?? false;
    this.generator = new ScenarioGenerator(this.world);
    this.apiKey = options.apiKey ?? `sk_test_${randomBytes(16).toString('hex')}`;
    this.settleMs = options.settleMs ?? 0;
    const jitterMs = options.settleJitterMs ?? 0;
    const settleRandom = new Random(`${seed}:settle`);
    this.world.events.delayOf = () =>
      this.settleMs + (jitterMs > 0 ? settleRandom.float() * jitterMs : 0);
    this.faults = new Faults(options.faults, seed);
    const events = options.events ?? 0;
    if (events > 0) {
      generateHistory(this.world, this.generator, {
        events,
        days: options.days ?? 30,
        endsAtMs: options.historyEndsAtMs ?? this.clock(),
        onProgress: options.onProgress ? (n) => options.onProgress?.(n, events) : undefined,
      });
    }
    // Subscribed after the history is built: WorkOS delivers new events, not the past.
    this.webhooks = new WebhookDeliverer(this.world, options.webhooks, seed);
    if (options.rate && options.rate > 0) this.startLive(options.rate);
  }

  /** Makes `count` more changes now, stamped with the current time. */
  generateNow(count: number): void {
    const target = this.world.events.length + count;
    while (this.world.events.length < target)
      this.generator.step(target - this.world.events.length);
  }

  /** Produces about `perSecond` new events every second until `stopLive` or `close`. */
  startLive(perSecond: number): void {
    this.stopLive();
    let started = this.clock();
    let made = 0;
    this.liveTimer = setInterval(() => {
      const due = Math.floor(((this.clock() - started) / 1000) * perSecond) - made;
      if (due > 0) {
        this.generateNow(due);
        made += due;
      }
      if (made > 1e9) {
        started = this.clock();
        made = 0;
      }
    }, 50);
    this.liveTimer.unref();
  }

  stopLive(): void {
    if (this.liveTimer) clearInterval(this.liveTimer);
    this.liveTimer = null;
  }

  status() {
    const w = this.world;
    return {
      events: w.events.length,
      objects: {
        users: w.users.size,
        organizations: w.organizations.size,
        organization_domains: w.domains.size,
        organization_memberships: w.memberships.size,
        invitations: w.invitations.size,
        roles: w.roles.size,
        connections: w.connections.size,
        directories: w.directories.size,
        directory_users: w.directoryUsers.size,
        directory_groups: w.directoryGroups.size,
      },
      settleMs: this.settleMs,
      faults: this.faults.settings,
      webhooks: this.webhooks.describe(),
    };
  }

  close(): void {
    this.stopLive();
    this.webhooks.close();
  }
}
