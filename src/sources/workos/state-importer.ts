import type { SnapshotItem, SnapshotSource } from '../../engine/ports.js';
import { getJson, type WorkOSHttpOptions } from './http.js';

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
  constructor(private readonly http: WorkOSHttpOptions) {}

  private async *pages(
    path: string,
    query: Record<string, string> = {},
    signal?: AbortSignal,
  ): AsyncIterable<Obj[]> {
    let after: string | undefined;
    for (;;) {
      const body = (await getJson(
        this.http,
        path,
        { ...query, order: 'asc', limit: '100', after },
        signal,
      )) as ListPage;
      if (!Array.isArray(body?.data)) throw new Error(`GET ${path} answered without a data array`);
      yield body.data;
      after = body.list_metadata?.after ?? undefined;
      if (!after || body.data.length === 0) return;
    }
  }

  async *snapshot(signal?: AbortSignal): AsyncIterable<SnapshotItem[]> {
    const roles = (await getJson(this.http, '/authorization/roles', {}, signal)) as ListPage;
    yield roles.data
      .filter((r) => r.type !== 'OrganizationRole')
      .map((object) => ({ kind: 'role', object }));
    for await (const page of this.pages('/user_management/users', {}, signal))
      yield page.map((object) => ({ kind: 'user', object }));
    for await (const page of this.pages('/organizations', {}, signal)) {
      yield page.map((object) => ({ kind: 'organization', object }));
      for (const org of page) {
        const id = String(org.id);
        for await (const members of this.pages(
          '/user_management/organization_memberships',
          { organization_id: id },
          signal,
        )) {
          yield members.map((object) => ({ kind: 'organization_membership', object }));
        }
        const orgRoles = (await getJson(
          this.http,
          `/authorization/organizations/${encodeURIComponent(id)}/roles`,
          {},
          signal,
        )) as ListPage;
        yield orgRoles.data
          .filter((r) => r.type === 'OrganizationRole')
          .map((object) => ({ kind: 'role', object, organizationId: id }));
      }
    }
    for await (const page of this.pages('/user_management/invitations', {}, signal))
      yield page.map((object) => ({ kind: 'invitation', object }));
    for await (const page of this.pages('/connections', {}, signal))
      yield page.map((object) => ({ kind: 'connection', object }));
    for await (const page of this.pages('/directories', {}, signal)) {
      yield page.map((object) => ({ kind: 'directory', object }));
      for (const directory of page) {
        const id = String(directory.id);
        for await (const users of this.pages('/directory_users', { directory: id }, signal)) {
          yield users.map((object) => ({ kind: 'directory_user', object }));
        }
        for await (const groups of this.pages('/directory_groups', { directory: id }, signal)) {
          yield groups.map((object) => ({ kind: 'directory_group', object }));
        }
      }
    }
  }
}
