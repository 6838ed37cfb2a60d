import { UlidGenerator } from '../ids.js';
import { Random } from '../random.js';
import { Collection } from './collection.js';
import { EventLog, type StoredEvent } from './event-log.js';
import type {
  Connection,
  Directory,
  DirectoryGroup,
  DirectoryUser,
  Invitation,
  Organization,
  OrganizationDomain,
  OrganizationMembership,
  Role,
  User,
} from './types.js';

/** A failure WorkOS would answer with this status and body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message ?? `HTTP ${status}`));
  }

  static notFound(what: string, id: string): ApiError {
    return new ApiError(404, { message: `${what} not found: '${id}'.`, code: 'entity_not_found' });
  }

  static invalid(field: string, code = 'invalid', message = 'Validation failed.'): ApiError {
    return new ApiError(422, { message, errors: [{ code, field }] });
  }
}

export type EventListener = (event: StoredEvent) => void;

/**
 * Everything the emulated WorkOS environment holds: the objects, the event stream, and the
 * clock that stamps both. Every change to an object goes through `emit`, which appends the
 * event WorkOS would send for it, so state and stream can never disagree.
 */
export class World {
  readonly events = new EventLog();
  readonly users = new Collection<User>({ email: (u) => u.email.toLowerCase() });
  readonly organizations = new Collection<Organization>();
  readonly domains = new Collection<OrganizationDomain>({
    organization: (d) => d.organization_id,
    domain: (d) => d.domain,
  });
  readonly memberships = new Collection<OrganizationMembership>({
    organization: (m) => m.organization_id,
    user: (m) => m.user_id,
  });
  readonly invitations = new Collection<Invitation>({ organization: (i) => i.organization_id });
  readonly roles = new Collection<Role>({ organization: (r) => r.organization_id ?? '' });
  readonly connections = new Collection<Connection>({ organization: (c) => c.organization_id });
  readonly directories = new Collection<Directory>({ organization: (d) => d.organization_id });
  readonly directoryUsers = new Collection<DirectoryUser>({ directory: (u) => u.directory_id });
  readonly directoryGroups = new Collection<DirectoryGroup>({ directory: (g) => g.directory_id });
  /** Group membership: group id → user ids, and user id → group ids. */
  readonly groupsOfUser = new Map<string, Set<string>>();
  readonly usersOfGroup = new Map<string, Set<string>>();

  readonly random: Random;
  /** A directory user's `groups` entries as another implementation may send them (see EmulatorVariant). */
  briefGroups = false;
  /** Domain changes leave the organization's event and `updated_at` alone (see EmulatorVariant). */
  silentDomainChanges = false;
  private readonly ulids: UlidGenerator;
  private readonly listeners = new Set<EventListener>();
  private lastMs = 0;
  /** While set, the clock reads this instead of the real time (the scenario builds history). */
  private pinnedMs: number | null = null;

  constructor(
    seed: string | number,
    private readonly clock: () => number = Date.now,
  ) {
    this.random = new Random(seed);
    this.ulids = new UlidGenerator(new Random(`${seed}:ids`));
  }

  /** Milliseconds since the epoch, never going backwards. */
  now(): number {
    const ms = this.pinnedMs ?? this.clock();
    this.lastMs = Math.max(this.lastMs, ms);
    return this.lastMs;
  }

  isoNow(): string {
    return new Date(this.now()).toISOString();
  }

  /** Runs `change` as if it happened at `ms` (used to build a past history). */
  at<T>(ms: number, change: () => T): T {
    this.pinnedMs = ms;
    try {
      return change();
    } finally {
      this.pinnedMs = null;
    }
  }

  newId(prefix: string): string {
    return `${prefix}_${this.ulids.next(this.now())}`;
  }

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Appends the event for a change already made to state. `data` is serialized now.
   * `envelope` replaces envelope fields as sent (not `object` or `id`), and its `data_json`
   * the payload with JSON text: a server's malformed event, for testing consumers; the stream
   * still files it at its true time.
   */
  emit(
    type: string,
    data: unknown,
    organizationId: string | null,
    envelope?: Record<string, unknown>,
  ): StoredEvent {
    const createdAtMs = this.now();
    const id = this.newId('event');
    const { data_json: dataJson, ...fields } = envelope ?? {};
    let json = JSON.stringify({
      object: 'event',
      id,
      event: type,
      data: typeof dataJson === 'string' ? DATA_SLOT : data,
      created_at: new Date(createdAtMs).toISOString(),
      context: {},
      ...fields,
      ...(envelope ? { object: 'event', id } : {}),
    });
    // `data_json`: the payload as JSON text, spliced in as sent (nested deeper than
    // JSON.stringify can go, say).
    if (typeof dataJson === 'string')
      json = json.replace(JSON.stringify(DATA_SLOT), () => dataJson);
    const stored = this.events.append(id, type, organizationId, createdAtMs, json);
    for (const listener of this.listeners) listener(stored);
    return stored;
  }

  require<T extends { id: string }>(collection: Collection<T>, what: string, id: string): T {
    const item = collection.get(id);
    if (!item) throw ApiError.notFound(what, id);
    return item;
  }
}

const DATA_SLOT = '\u0000authsync-emulator-data\u0000';
