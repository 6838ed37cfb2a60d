import type { SnapshotItem, SnapshotPage, SnapshotSource } from '../../engine/ports.js';
import { getJson, type JsonApiOptions } from '../../http/get-json.js';
import { readAhead, sentNow } from '../../http/read-ahead.js';

type Obj = Record<string, unknown>;
interface ListPage {
  data: Obj[];
  list_metadata?: { after?: string | null };
}

/**
 * The current state of a WorkOS environment from its list endpoints, page by page:
 * environment roles, users, organizations (with their domains, memberships and roles),
 * invitations, connections, directories (with their users, groups and group members).
 * Memory stays bounded: one page of each list at a time.
 */
export class WorkOSStateImporter implements SnapshotSource {
  constructor(private readonly http: JsonApiOptions) {}

  /**
   * A list's pages from `after`, each with the `after` of the next page (null after the last).
   * The first page is asked for at once, before the pages are read (see `readAhead`).
   */
  private pages(
    path: string,
    query: Record<string, string> = {},
    signal?: AbortSignal,
    from: string | null = null,
  ): AsyncIterable<{ data: Obj[]; next: string | null }> {
    const page = (after: string | undefined) =>
      getJson(this.http, path, { ...query, order: 'asc', limit: '100', after }, signal);
    const first = sentNow(page(from ?? undefined));
    return (async function* () {
      for (let body = await first; ;) {
        const list = body as ListPage;
        if (!Array.isArray(list?.data))
          throw new Error(`GET ${path} answered without a data array`);
        const next = list.data.length === 0 ? null : (list.list_metadata?.after ?? null);
        yield { data: list.data, next };
        if (!next) return;
        body = await page(next);
      }
    })();
  }

  /**
   * Top-level list `index`, in import order, from `after`. Each object comes with everything
   * nested under it (an organization's memberships and roles, a directory's users and groups);
   * `next` marks a place to resume from: the list again after that id (null: the list is done).
   */
  private async *list(
    index: number,
    signal: AbortSignal | undefined,
    after: string | null,
  ): AsyncIterable<{ items: SnapshotItem[]; next?: string | null }> {
    switch (index) {
      case 0:
        for await (const roles of this.unpaged('/authorization/roles', signal))
          yield {
            items: roles
              .filter((r) => r.type !== 'OrganizationRole')
              .map((object) => ({ kind: 'role', object })),
          };
        return;
      case 1:
        return yield* this.flat('/user_management/users', 'user', signal, after);
      case 2:
        for await (const page of this.pages('/organizations', {}, signal, after)) {
          yield { items: page.data.map((object) => ({ kind: 'organization', object })) };
          const ids = page.data.map((org) => String(org.id));
          for await (const org of readAhead(ids, READ_AHEAD, (id) =>
            this.organizationChildren(id, signal),
          )) {
            yield* org.pages;
            // Done with this organization: resume with the ones listed after it.
            yield { items: [], next: org.item };
          }
          if (!page.next) yield { items: [], next: null };
        }
        return;
      case 3:
        return yield* this.flat('/user_management/invitations', 'invitation', signal, after);
      case 4:
        return yield* this.flat('/connections', 'connection', signal, after);
      case 5:
        for await (const page of this.pages('/directories', {}, signal, after)) {
          yield { items: page.data.map((object) => ({ kind: 'directory', object })) };
          const ids = page.data.map((directory) => String(directory.id));
          for await (const directory of readAhead(ids, READ_AHEAD, (id) =>
            this.directoryChildren(id, signal),
          )) {
            yield* directory.pages;
            yield { items: [], next: directory.item };
          }
          if (!page.next) yield { items: [], next: null };
        }
    }
  }

  /** An organization's memberships and roles: the first page of each is asked for at once. */
  private organizationChildren(
    id: string,
    signal: AbortSignal | undefined,
  ): AsyncIterable<{ items: SnapshotItem[] }> {
    const memberships = this.pages(
      '/user_management/organization_memberships',
      { organization_id: id },
      signal,
    );
    const roles = this.unpaged(
      `/authorization/organizations/${encodeURIComponent(id)}/roles`,
      signal,
    );
    return (async function* () {
      for await (const page of memberships)
        yield { items: page.data.map((object) => ({ kind: 'organization_membership', object })) };
      for await (const page of roles)
        yield {
          items: page
            .filter((r) => r.type === 'OrganizationRole')
            .map((object) => ({ kind: 'role', object, organizationId: id })),
        };
    })();
  }

  /** A directory's users and groups: the first page of each is asked for at once. */
  private directoryChildren(
    id: string,
    signal: AbortSignal | undefined,
  ): AsyncIterable<{ items: SnapshotItem[] }> {
    const users = this.pages('/directory_users', { directory: id }, signal);
    const groups = this.pages('/directory_groups', { directory: id }, signal);
    return (async function* () {
      for await (const page of users)
        yield { items: page.data.map((object) => ({ kind: 'directory_user', object })) };
      for await (const page of groups)
        yield { items: page.data.map((object) => ({ kind: 'directory_group', object })) };
    })();
  }

  /**
   * A list the reference documents without paging (roles). It is asked for as documented, and
   * `list_metadata.after` followed should a server page it anyway: reading only the first
   * page made reconcile delete the roles it did not see.
   */
  private unpaged(path: string, signal: AbortSignal | undefined): AsyncIterable<Obj[]> {
    const page = (after?: string) => getJson(this.http, path, after ? { after } : {}, signal);
    const first = sentNow(page());
    return (async function* () {
      let after: string | undefined;
      for (let body = await first; ;) {
        const list = body as ListPage;
        if (!Array.isArray(list?.data))
          throw new Error(`GET ${path} answered without a data array`);
        yield list.data;
        const next = list.list_metadata?.after;
        if (!next || list.data.length === 0 || next === after) return;
        after = next;
        body = await page(after);
      }
    })();
  }

  private async *flat(
    path: string,
    kind: string,
    signal: AbortSignal | undefined,
    after: string | null,
  ): AsyncIterable<{ items: SnapshotItem[]; next?: string | null }> {
    for await (const page of this.pages(path, {}, signal, after))
      yield { items: page.data.map((object) => ({ kind, object })), next: page.next };
  }

  async *snapshot(signal?: AbortSignal, resumeFrom?: string): AsyncIterable<SnapshotPage> {
    const from = resumeFrom ? parsePosition(resumeFrom) : { list: 0, after: null };
    for (let list = from.list; list < LISTS; list++) {
      for await (const page of this.list(list, signal, list === from.list ? from.after : null)) {
        const resume =
          page.next === undefined
            ? undefined
            : page.next === null
              ? { list: list + 1, after: null }
              : { list, after: page.next };
        yield { items: page.items, resumeFrom: resume && JSON.stringify(resume) };
      }
      yield { items: [], resumeFrom: JSON.stringify({ list: list + 1, after: null }) };
    }
  }
}

/** Top-level lists (see `list`). */
const LISTS = 6;

/**
 * Organizations and directories whose first pages are asked for ahead of the one being read: at
 * 50 ms a request, one at a time reads ~20 requests/s of the ~98/s budget; 8 ahead can use it all.
 */
const READ_AHEAD = 8;

function parsePosition(value: string): { list: number; after: string | null } {
  const p = JSON.parse(value) as { list?: unknown; after?: unknown };
  if (typeof p.list !== 'number' || (p.after !== null && typeof p.after !== 'string'))
    throw new Error(`Not a snapshot position: ${value}`);
  return { list: p.list, after: p.after };
}
