// SQLite (and D1) migration 10, as shipped. Frozen: never edit; a change is a new migration.
// Delivery as its own subsystem: one row per (event, destination) written in the transaction
// that applied the event (its body is the outbox row's), every attempt logged, and each
// destination's health. Times are milliseconds since the epoch. `id` is the order deliveries
// are made in within a lane (the order their events were applied in); `replay` numbers re-sends.
export const m0010 = {
  version: 10,
  name: 'deliveries',
  sql: `CREATE TABLE authsync_deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL,
  type TEXT NOT NULL,
  source_id TEXT,
  destination TEXT NOT NULL,
  lane TEXT NOT NULL,
  ordered INTEGER NOT NULL,
  replay INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  done_at INTEGER,
  UNIQUE (event_id, destination, replay)
);
CREATE INDEX authsync_deliveries_pending ON authsync_deliveries (id) WHERE status = 'pending';
CREATE INDEX authsync_deliveries_open ON authsync_deliveries (destination, lane, id) WHERE status IN ('pending', 'failed');
CREATE INDEX authsync_deliveries_done ON authsync_deliveries (done_at) WHERE done_at IS NOT NULL;
CREATE TABLE authsync_delivery_attempts (
  delivery_id INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  at INTEGER NOT NULL,
  status_code INTEGER,
  duration_ms INTEGER NOT NULL,
  error TEXT,
  response TEXT,
  PRIMARY KEY (delivery_id, attempt)
);
CREATE TABLE authsync_destinations (
  name TEXT PRIMARY KEY,
  failing_since INTEGER,
  disabled_at INTEGER,
  last_error TEXT,
  last_success_at INTEGER
);`,
};
