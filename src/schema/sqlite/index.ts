import type { Migration } from '../../engine/tables.js';
import { m0001 } from './0001-tables.js';
import { m0002 } from './0002-webhook-inbox.js';
import { m0003 } from './0003-reconcile-keys.js';
import { m0004 } from './0004-tombstone-event-ids.js';
import { m0005 } from './0005-queued-events-by-lane.js';
import { m0006 } from './0006-product-tables-with-rowids.js';
import { m0007 } from './0007-sources-and-engine-order.js';
import { m0008 } from './0008-auth0-tables.js';
import { m0009 } from './0009-inbox-sources.js';
import { m0010 } from './0010-deliveries.js';
import { m0011 } from './0011-query-indexes.js';

/** Every migration, in order; each runs once (recorded in authsync_migrations). */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  m0001,
  m0002,
  m0003,
  m0004,
  m0005,
  m0006,
  m0007,
  m0008,
  m0009,
  m0010,
  m0011,
];
