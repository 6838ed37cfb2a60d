/** A token bucket: `burst` requests at once, refilled at `perMinute`. */
export interface BucketLimit {
  burst: number;
  perMinute: number;
}

/** The Management API's limits by plan, per endpoint group (Auth0's rate limit configurations). */
export const AUTH0_RATE_LIMITS = {
  /** The whole Management API: burst 2, 2 per second. */
  free: { all: { burst: 2, perMinute: 120 } },
  /** Essentials / Professional: per endpoint group. */
  'self-service': {
    logs: { burst: 10, perMinute: 100 },
    users: { burst: 40, perMinute: 500 },
    organizations: { burst: 5, perMinute: 50 },
    organization: { burst: 20, perMinute: 200 },
    members: { burst: 40, perMinute: 500 },
    member_roles: { burst: 20, perMinute: 200 },
    other: { burst: 10, perMinute: 150 },
  },
  /** Enterprise, production: burst 50, 16 per second, all endpoints together. */
  enterprise: { all: { burst: 50, perMinute: 960 } },
} satisfies Record<string, Record<string, BucketLimit>>;

export type RateProfile = keyof typeof AUTH0_RATE_LIMITS;

/** The endpoint group of a Management API request, as the self-service table splits them. */
export function endpointGroup(method: string, path: string): string {
  if (method !== 'GET') return 'other';
  if (/^\/api\/v2\/logs/.test(path)) return 'logs';
  if (/^\/api\/v2\/users/.test(path)) return 'users';
  if (/^\/api\/v2\/organizations\/[^/]+\/members\/[^/]+\/roles/.test(path)) return 'member_roles';
  if (/^\/api\/v2\/organizations\/[^/]+\/members/.test(path)) return 'members';
  if (/^\/api\/v2\/organizations\/[^/]+$/.test(path)) return 'organization';
  if (/^\/api\/v2\/organizations$/.test(path)) return 'organizations';
  return 'other';
}

/**
 * Token buckets per endpoint group (or one for all), answering with the headers Auth0 sends on
 * every response: lower-case `x-ratelimit-limit`, `-remaining`, and `-reset` (unix seconds when
 * the next request is added to the bucket).
 */
export class RateLimits {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();

  constructor(
    private readonly limits: Record<string, BucketLimit> | null,
    private readonly clock: () => number,
  ) {}

  take(method: string, path: string): { allowed: boolean; headers: Record<string, string> } {
    if (!this.limits) return { allowed: true, headers: {} };
    const group = this.limits.all ? 'all' : endpointGroup(method, path);
    const limit = this.limits[group] ?? this.limits.other!;
    const now = this.clock();
    const msPerToken = 60_000 / limit.perMinute;
    const bucket = this.buckets.get(group) ?? { tokens: limit.burst, atMs: now };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + (now - bucket.atMs) / msPerToken);
    bucket.atMs = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    this.buckets.set(group, bucket);
    const resetMs = now + Math.max(0, 1 - bucket.tokens) * msPerToken;
    return {
      allowed,
      headers: {
        'x-ratelimit-limit': String(limit.burst),
        'x-ratelimit-remaining': String(Math.floor(bucket.tokens)),
        'x-ratelimit-reset': String(Math.ceil(resetMs / 1000)),
      },
    };
  }
}
