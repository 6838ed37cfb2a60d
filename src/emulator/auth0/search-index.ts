import type { Auth0User, Tenant } from './tenant.js';

type Members = Tenant['members'];

/**
 * What the search-backed lists show: users (`GET /api/v2/users`, the export job) and an
 * organization's members. Auth0 documents both as eventually consistent ("results may not
 * immediately reflect recently-completed write operations"; "new users may not be immediately
 * included … deleted users may not be immediately removed"). With a lag, they serve a copy of
 * the tenant taken every `lagMs`, so what they show is up to `lagMs` old whatever the timing of
 * requests; without one, the tenant itself.
 */
export class SearchIndex {
  private copy: { users: Map<string, Auth0User>; members: Members } | null = null;
  private readonly timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly tenant: Tenant,
    lagMs: number,
  ) {
    if (lagMs <= 0) return;
    this.refresh();
    this.timer = setInterval(() => this.refresh(), lagMs);
    this.timer.unref();
  }

  private refresh(): void {
    this.copy = {
      users: structuredClone(this.tenant.users),
      members: structuredClone(this.tenant.members),
    };
  }

  get users(): ReadonlyMap<string, Auth0User> {
    return this.copy?.users ?? this.tenant.users;
  }

  get members(): Members {
    return this.copy?.members ?? this.tenant.members;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
