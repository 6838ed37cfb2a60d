import type { SnapshotItem, SnapshotPage, SnapshotSource } from '../../engine/ports.js';
import { getJson, type JsonApiOptions } from '../../http/get-json.js';
import { readAhead, sentNow } from '../../http/read-ahead.js';
import { exportedUsers, type UserExportOptions } from './user-export.js';

type Obj = Record<string, unknown>;

/** Offset paging lists at most this many results. */
const OFFSET_CAP = 1000;

/** Organizations whose members' first page is asked for ahead of the one being read. */
const READ_AHEAD = 8;

/**
 * How far behind the tenant an organization's members list may be: Auth0 documents it as
 * eventually consistent ("deleted users may not be immediately removed"). Members read from it
 * are dated this much before the read, so a member removed within that time (its tombstone is
 * newer) is not brought back; reconciliation's allowance for clock skew keeps it from deleting
 * rows as young, so the two agree.
 */
const SEARCH_LAG_ALLOWANCE_MS = 60_000;

/**
 * The tenant's current state, page by page: roles, users (offset pages; the export job when
 * there are more than 1,000), organizations (checkpoint pages) and each one's members with their
 * roles (`fields=roles`, checkpoint pages). Objects without times of their own carry when they
 * were read. A cut-short import resumes at the list it was in.
 */
export class Auth0StateImporter implements SnapshotSource {
  constructor(
    private readonly http: JsonApiOptions,
    private readonly options: UserExportOptions & { clock?: () => number } = {},
  ) {}

  private now(lessMs = 0): string {
    return new Date((this.options.clock ?? Date.now)() - lessMs).toISOString();
  }

  async *snapshot(signal?: AbortSignal, resumeFrom?: string): AsyncIterable<SnapshotPage> {
    const start = resumeFrom ? Number(resumeFrom) : 0;
    if (start <= 0) {
      yield* this.offsetList('/api/v2/roles', 'roles', 'role', signal);
      yield { items: [], resumeFrom: '1' };
    }
    if (start <= 1) {
      yield* this.users(signal);
      yield { items: [], resumeFrom: '2' };
    }
    yield* this.organizations(signal);
  }

  /** An offset-paged list (`page`, `per_page=100`, `include_totals`). */
  private async *offsetList(
    path: string,
    field: string,
    kind: string,
    signal?: AbortSignal,
  ): AsyncIterable<SnapshotPage> {
    for (let page = 0; page * 100 < OFFSET_CAP; page++) {
      const readAt = this.now();
      const body = (await getJson(
        this.http,
        path,
        { page: String(page), per_page: '100', include_totals: 'true' },
        signal,
      )) as Obj;
      const list = body[field];
      if (!Array.isArray(list)) throw new Error(`GET ${path} answered without ${field}`);
      const total = page === 0 && typeof body.total === 'number' ? { [kind]: body.total } : {};
      yield { items: (list as Obj[]).map((object) => ({ kind, object, readAt })), totals: total };
      if (list.length < 100) return;
      if (typeof body.total === 'number' && (page + 1) * 100 >= body.total) return;
    }
    throw new Error(
      `GET ${path}: more than ${OFFSET_CAP} results, which offset paging cannot list`,
    );
  }

  /** How many a list holds, from an offset page of one with `include_totals`. */
  private async total(path: string, signal?: AbortSignal): Promise<number | undefined> {
    const page = (await getJson(
      this.http,
      path,
      { page: '0', per_page: '1', include_totals: 'true' },
      signal,
    )) as Obj;
    return typeof page.total === 'number' ? page.total : undefined;
  }

  private async *users(signal?: AbortSignal): AsyncIterable<SnapshotPage> {
    const total = await this.total('/api/v2/users', signal);
    if (total !== undefined && total >= OFFSET_CAP) {
      yield { items: [], totals: { user: total } };
      yield* this.exportedUsers(signal);
      return;
    }
    yield* this.offsetList('/api/v2/users', 'users', 'user', signal);
  }

  /** Every user through an export job (see `user-export.ts`). */
  private async *exportedUsers(signal?: AbortSignal): AsyncIterable<SnapshotPage> {
    // The file is the tenant as it was when the job began, or later.
    const readAt = this.now();
    for await (const users of exportedUsers(this.http, this.options, signal))
      yield { items: users.map((object) => ({ kind: 'user', object, readAt })) };
  }

  /** Organizations by checkpoint, each followed by its members (with roles). */
  private async *organizations(signal?: AbortSignal): AsyncIterable<SnapshotPage> {
    // Checkpoint pages say no total; an offset page of one does (for progress only).
    const total = await this.total('/api/v2/organizations', signal);
    if (total !== undefined) yield { items: [], totals: { organization: total } };
    let from: string | undefined;
    for (;;) {
      const readAt = this.now();
      const body = (await getJson(
        this.http,
        '/api/v2/organizations',
        { take: '100', from },
        signal,
      )) as { organizations?: Obj[]; next?: string };
      if (!Array.isArray(body.organizations))
        throw new Error('GET /api/v2/organizations answered without organizations');
      const items: SnapshotItem[] = body.organizations.map((object) => ({
        kind: 'organization',
        object,
        readAt,
      }));
      yield { items };
      const ids = body.organizations.map((org) => String(org.id));
      for await (const org of readAhead(ids, READ_AHEAD, (id) => this.members(id, signal)))
        yield* org.pages;
      if (!body.next || body.organizations.length === 0) return;
      from = body.next;
    }
  }

  /** An organization's members with their roles; the first page is asked for at once. */
  private members(organizationId: string, signal?: AbortSignal): AsyncIterable<SnapshotPage> {
    const path = `/api/v2/organizations/${encodeURIComponent(organizationId)}/members`;
    const page = async (from?: string) => {
      const readAt = this.now(SEARCH_LAG_ALLOWANCE_MS);
      const body = (await getJson(
        this.http,
        path,
        { take: '100', fields: 'roles', from },
        signal,
      )) as {
        members?: Obj[];
        next?: string;
      };
      return { body, readAt };
    };
    const first = sentNow(page());
    return (async function* () {
      for (let read = await first; ;) {
        const { body, readAt } = read;
        if (!Array.isArray(body.members)) throw new Error(`GET ${path} answered without members`);
        if (body.members.length > 0)
          yield {
            items: body.members.map((object) => ({
              kind: 'member',
              object,
              organizationId,
              readAt,
            })),
          };
        // The end is a page without `next` (after the last full one, an empty page).
        if (!body.next || body.members.length === 0) return;
        read = await page(body.next);
      }
    })();
  }
}
