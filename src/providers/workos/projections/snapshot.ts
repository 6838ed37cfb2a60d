import type { Row, RowChange } from '../../../engine/changes.js';
import type { SnapshotItem } from '../../../engine/ports.js';
import { optTime, str, time, type Obj } from './fields.js';
import {
  connectionRow,
  directoryGroupRow,
  directoryRow,
  directoryUserRow,
  domainRow,
  groupMemberRow,
  invitationRow,
  membershipRow,
  organizationRow,
  roleRow,
  userRow,
} from './rows.js';

const upsert = (table: string, row: Row, keepIfNull?: string[]): RowChange => ({
  op: 'upsert',
  table,
  row,
  updatedAt: String(row.updated_at),
  ...(keepIfNull ? { keepIfNull } : {}),
});

/**
 * Row changes for one object of the first import. They are guarded like event upserts, so
 * events from the overlap before the import began cannot be undone by it, nor it by them.
 */
export function snapshotChanges(item: SnapshotItem): RowChange[] {
  const o = item.object;
  switch (item.kind) {
    case 'user':
      return [upsert('workos_users', userRow(o))];
    case 'organization':
      return [
        upsert('workos_organizations', organizationRow(o)),
        ...((o.domains as Obj[]) ?? []).map((d) =>
          upsert('workos_organization_domains', domainRow(d)),
        ),
      ];
    case 'organization_membership':
      return [upsert('workos_organization_memberships', membershipRow(o))];
    case 'invitation':
      return [upsert('workos_invitations', invitationRow(o))];
    case 'role':
      return [upsert('workos_roles', roleRow(o, item.organizationId ?? null))];
    case 'connection':
      return [upsert('workos_connections', connectionRow(o))];
    case 'directory':
      return [upsert('workos_directories', directoryRow(o))];
    case 'directory_user': {
      const groups = Array.isArray(o.groups) ? (o.groups as Obj[]) : [];
      return [
        upsert('workos_directory_users', directoryUserRow(o)),
        // A membership has no time of its own: date it no later than it could have begun, so any
        // add or remove event from the overlap orders after it. A group entry may carry only
        // its id and name (no time): then the user's own creation time dates it.
        ...groups.map((g) => {
          const since = [time(o, 'created_at'), optTime(g, 'created_at') ?? ''].sort()[1]!;
          return upsert(
            'workos_directory_group_members',
            groupMemberRow({ ...g, directory_id: str(o, 'directory_id') }, o, since),
          );
        }),
      ];
    }
    case 'directory_group':
      return [upsert('workos_directory_groups', directoryGroupRow(o))];
    default:
      throw new Error(`unknown snapshot kind ${item.kind}`);
  }
}
