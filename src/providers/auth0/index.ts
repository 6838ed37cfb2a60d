import { CredentialsRefusedError } from '../../http/get-json.js';
import type { Provider } from '../../engine/provider.js';
import { describeUnreadable, occurredAtMs, parseAuth0Log } from './envelope.js';
import { project, snapshotChanges } from './projections.js';
import { AUTH0_TABLES } from './tables.js';

/**
 * Auth0: the tenant's logs in checkpoint mode (`logs-reader.ts`), its state from the Management
 * API (`state-importer.ts`), the `auth0_*` tables. Tables follow Management API writes (`sapi`
 * logs carry the request and the response); what the logs do not show whole (signups, logins,
 * SCIM, imports) comes in by reconciliation.
 */
export const auth0: Provider = {
  name: 'auth0',
  tables: AUTH0_TABLES,
  // Log ids are 56 digits, ascending in the order the log is read (the checkpoint order).
  orderedIds: true,
  // Logs are kept 1 (Starter) to 30 days (Enterprise): set AUTHSYNC_RETENTION_DAYS to your plan's.
  retentionDays: 1,
  parseEvent: parseAuth0Log,
  describeUnreadable,
  occurredAtMs,
  project,
  snapshotChanges,
  isCredentialsError: (error) => error instanceof CredentialsRefusedError,
};

/** Auth0 keeping only `types` in `auth0_logs` (the rest of each log's changes still apply). */
export function auth0KeepingLogTypes(types: readonly string[]): Provider {
  return {
    ...auth0,
    project: (event) =>
      auth0
        .project(event)
        .filter(
          (c) => !(c.op === 'append' && c.table === 'auth0_logs' && !types.includes(event.type)),
        ),
  };
}
