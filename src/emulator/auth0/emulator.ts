import { randomBytes } from 'node:crypto';
import { Faults, type FaultSettings } from '../faults.js';
import { Random } from '../random.js';
import { EventStream, type EventStreamSettings } from './event-streams.js';
import { SearchIndex } from './search-index.js';
import { TenantGenerator } from './history.js';
import type { ApiCaller } from './log-entries.js';
import type { Plan } from './log-store.js';
import {
  AUTH0_RATE_LIMITS,
  RateLimits,
  type BucketLimit,
  type RateProfile,
} from './rate-limits.js';
import { Tenant } from './tenant.js';
import { AUTHSYNC_SCOPES, TokenIssuer } from './tokens.js';

export interface Auth0EmulatorOptions {
  /** Seed of the generated history and of every random choice (default 1). */
  seed?: string | number;
  /** Changes of generated history to make before serving (default 0). */
  changes?: number;
  /** The history spreads over this many past hours, ending now (default 12). */
  hours?: number;
  /** The history changes the tenant through the Management API only (every change logged as sapi). */
  apiOnly?: boolean;
  /** The tenant's name (default `acme`). */
  tenant?: string;
  clientId?: string;
  clientSecret?: string;
  /** Scopes the client grant allows (default: every scope authsync uses). */
  scopes?: string[];
  /** `expires_in` of tokens, seconds (default 86,400). */
  tokenLifetimeS?: number;
  /** A log becomes visible this long after its `date` (default 0), plus 0..jitter ms. */
  indexingDelayMs?: number;
  indexingJitterMs?: number;
  /** Log retention by plan (default enterprise, 30 days). */
  plan?: Plan;
  /** Rate limits as Auth0 applies them for a plan, or buckets of one's own (default none). */
  rateLimits?: RateProfile | Record<string, BucketLimit> | null;
  faults?: Partial<FaultSettings>;
  /**
   * The users and members lists (search-backed, eventually consistent at Auth0) show the tenant
   * as it was up to this long ago (default 0: as it is).
   */
  searchLagMs?: number;
  /** A user export job is pending, then processing, this long before its file is ready (default 0). */
  exportJobMs?: number;
  /** An Event Stream with a webhook destination, from the start (changes of the history are not sent). */
  eventStream?: EventStreamSettings;
  clock?: () => number;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** The emulated Auth0 tenant, independent of HTTP: state, logs, tokens, limits and faults. */
export class Auth0Emulator {
  readonly tenant: Tenant;
  readonly tokens: TokenIssuer;
  readonly limits: RateLimits;
  readonly faults: Faults;
  readonly search: SearchIndex;
  readonly clock: () => number;
  readonly exportJobMs: number;
  /** The client that the generated history's Management API writes are made by. */
  readonly historyCaller: ApiCaller;
  private readonly generator: TenantGenerator;
  private readonly random: Random;
  /** The Event Stream, once one is configured. */
  eventStream: EventStream | null = null;

  constructor(options: Auth0EmulatorOptions = {}) {
    const seed = options.seed ?? 1;
    this.clock = options.clock ?? Date.now;
    this.exportJobMs = options.exportJobMs ?? 0;
    const random = new Random(`${seed}:auth0`);
    this.random = new Random(`${seed}:event-streams`);
    this.tenant = new Tenant(options.tenant ?? 'acme', random, this.clock, {
      indexingDelayMs: options.indexingDelayMs,
      indexingJitterMs: options.indexingJitterMs,
      plan: options.plan,
    });
    this.tokens = new TokenIssuer(
      {
        clientId: options.clientId ?? randomBytes(16).toString('base64url'),
        clientSecret: options.clientSecret ?? randomBytes(32).toString('base64url'),
        scopes: options.scopes ?? AUTHSYNC_SCOPES,
      },
      this.clock,
      options.tokenLifetimeS,
    );
    const limits = options.rateLimits;
    this.limits = new RateLimits(
      typeof limits === 'string' ? AUTH0_RATE_LIMITS[limits] : (limits ?? null),
      this.clock,
    );
    this.faults = new Faults(options.faults, seed);
    this.historyCaller = {
      clientId: 'history-client',
      scopes: AUTHSYNC_SCOPES,
      ip: '203.0.113.7',
      userAgent: 'node-auth0/7.1.0',
    };
    this.generator = new TenantGenerator(this.tenant, random, this.historyCaller, options.apiOnly);
    const changes = options.changes ?? 0;
    if (changes > 0) {
      const end = this.clock();
      const start = end - (options.hours ?? 12) * 3_600_000;
      for (let i = 0; i < changes;) {
        this.tenant.timeOverride = Math.floor(start + ((end - start) * i) / changes);
        if (this.generator.step()) i++;
      }
      this.tenant.timeOverride = null;
    }
    this.search = new SearchIndex(this.tenant, options.searchLagMs ?? 0);
    if (options.eventStream) this.configureEventStream(options.eventStream);
  }

  /** Starts (or changes) the Event Stream: every change from now on is POSTed to its URL. */
  configureEventStream(settings: EventStreamSettings): EventStream {
    if (this.eventStream) this.eventStream.update(settings);
    else this.eventStream = new EventStream(settings, this.random);
    const stream = this.eventStream;
    this.tenant.onEvent = (type, object) =>
      stream.send({
        specversion: '1.0',
        type,
        source: `urn:auth0:${this.tenant.name}.us.auth0.com`,
        id: `evt_${Array.from({ length: 22 }, () => ALPHANUMERIC[this.random.int(62)]).join('')}`,
        time: new Date(this.tenant.now()).toISOString(),
        data: { object },
        a0tenant: this.tenant.name,
        a0stream: stream.id,
      });
    return stream;
  }

  close(): void {
    this.eventStream?.close();
    this.search.close();
  }

  /** Makes `count` more changes now. */
  generateNow(count: number): void {
    for (let i = 0; i < count;) if (this.generator.step()) i++;
  }
}
