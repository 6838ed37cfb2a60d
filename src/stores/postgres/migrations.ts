import { TABLES } from '../../engine/tables.js';
import { PG_TYPES, PRODUCT_INDEXES, tableDdl } from '../sql/ddl.js';

/**
 * Numbered migrations for PostgreSQL: the same tables, columns and indexes as SQLite's
 * migrations make (numbered differently), with PostgreSQL's types. Never edit a shipped migration: add the next number.
 */
export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'tables',
    sql: [
      ...Object.keys(TABLES).map((t) => tableDdl(t, (type) => PG_TYPES[type])),
      ...PRODUCT_INDEXES,
      // created_at is text here: an event too broken to parse is still recorded (as dead).
      `CREATE TABLE authsync_events (
  id text PRIMARY KEY,
  type text NOT NULL,
  lane text NOT NULL,
  created_at text NOT NULL,
  status text NOT NULL,
  source text NOT NULL,
  received_at timestamptz NOT NULL,
  data text NOT NULL,
  webhook_at timestamptz,
  api_seen integer NOT NULL DEFAULT 1
);`,
      "CREATE INDEX authsync_events_waiting ON authsync_events (lane, id) WHERE status IN ('pending', 'dead');",
      "CREATE INDEX authsync_events_held ON authsync_events (received_at) WHERE status = 'held';",
      `CREATE TABLE authsync_cursor (
  name text PRIMARY KEY,
  after_id text,
  range_start timestamptz,
  last_event_at timestamptz,
  updated_at timestamptz NOT NULL
);`,
      `CREATE TABLE authsync_tombstones (
  table_name text NOT NULL,
  key text NOT NULL,
  deleted_at timestamptz NOT NULL,
  PRIMARY KEY (table_name, key)
);`,
      `CREATE TABLE authsync_dead_letters (
  event_id text PRIMARY KEY,
  type text NOT NULL,
  lane text NOT NULL,
  error text NOT NULL,
  failed_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 1
);`,
      // seq: insertion order (SQLite orders by its rowid).
      `CREATE TABLE authsync_outbox (
  seq bigserial,
  event_id text PRIMARY KEY,
  type text NOT NULL,
  data text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at bigint NOT NULL DEFAULT 0,
  last_error text,
  done integer NOT NULL DEFAULT 0
);`,
      'CREATE INDEX authsync_outbox_due ON authsync_outbox (done, next_attempt_at);',
      `CREATE TABLE authsync_state (
  key text PRIMARY KEY,
  value text NOT NULL
);`,
      `CREATE TABLE authsync_reconcile_seen (
  table_name text NOT NULL,
  key text NOT NULL,
  PRIMARY KEY (table_name, key)
);`,
    ].join('\n'),
  },
  {
    version: 2,
    name: 'tombstone event ids',
    // The deleting event orders a deletion against a write in the same millisecond.
    sql: 'ALTER TABLE authsync_tombstones ADD COLUMN event_id text;',
  },
  {
    version: 3,
    name: 'queued events by lane',
    // Distributed work: `status` counts each lane's events still queued for a process.
    sql: "CREATE INDEX authsync_events_queued ON authsync_events (lane) WHERE status = 'queued';",
  },
];
