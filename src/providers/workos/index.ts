import { CredentialsRefusedError } from '../../http/get-json.js';
import type { Provider } from '../../engine/provider.js';
import { describeUnreadable, occurredAtMs, parseWorkOSEvent } from './envelope.js';
import { project } from './projections/index.js';
import { snapshotChanges } from './projections/snapshot.js';
import { WORKOS_TABLES } from './tables.js';

/**
 * WorkOS: events from the Events API (`events-reader.ts`, with time ranges for a parallel
 * catch-up), webhooks as a doorbell (`webhook-verifier.ts`, `webhook-receiver.ts`), current
 * state from the list endpoints (`state-importer.ts`), the `workos_*` tables.
 */
export const workos: Provider = {
  name: 'workos',
  tables: WORKOS_TABLES,
  // Event ids are ULIDs: they ascend in stream order (the Events API pages by `after=<id>`).
  orderedIds: true,
  // The Events API keeps 30 days (one page of the docs says 90; the shorter is the safe one).
  retentionDays: 30,
  parseEvent: parseWorkOSEvent,
  describeUnreadable,
  occurredAtMs,
  project,
  snapshotChanges,
  isCredentialsError: (error) => error instanceof CredentialsRefusedError,
};
