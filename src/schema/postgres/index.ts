import type { Migration } from '../../engine/tables.js';
import { m0001 } from './0001-tables.js';
import { m0002 } from './0002-tombstone-event-ids.js';
import { m0003 } from './0003-queued-events-by-lane.js';
import { m0004 } from './0004-sources-and-engine-order.js';
import { m0005 } from './0005-auth0-tables.js';
import { m0006 } from './0006-inbox-sources.js';
import { m0007 } from './0007-deliveries.js';
import { m0008 } from './0008-query-indexes.js';

/** Every migration, in order; each runs once (recorded in authsync_migrations). */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  m0001,
  m0002,
  m0003,
  m0004,
  m0005,
  m0006,
  m0007,
  m0008,
];
