// PostgreSQL migration 7, as shipped. Frozen: never edit; a change is a new migration.
// As SQLite's migration 10: deliveries per (event, destination), their attempts, destinations.
export const m0007 = {
  version: 7,
  name: 'deliveries',
  sql: `CREATE TABLE authsync_deliveries (
  id bigserial PRIMARY KEY,
  event_id text NOT NULL,
  type text NOT NULL,
  source_id text,
  destination text NOT NULL,
  lane text NOT NULL,
  ordered integer NOT NULL,
  replay integer NOT NULL DEFAULT 0,
  status text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at bigint NOT NULL DEFAULT 0,
  last_error text,
  created_at bigint NOT NULL,
  done_at bigint,
  UNIQUE (event_id, destination, replay)
);
CREATE INDEX authsync_deliveries_pending ON authsync_deliveries (id) WHERE status = 'pending';
CREATE INDEX authsync_deliveries_open ON authsync_deliveries (destination, lane, id) WHERE status IN ('pending', 'failed');
CREATE INDEX authsync_deliveries_done ON authsync_deliveries (done_at) WHERE done_at IS NOT NULL;
CREATE TABLE authsync_delivery_attempts (
  delivery_id bigint NOT NULL,
  attempt integer NOT NULL,
  at bigint NOT NULL,
  status_code integer,
  duration_ms integer NOT NULL,
  error text,
  response text,
  PRIMARY KEY (delivery_id, attempt)
);
CREATE TABLE authsync_destinations (
  name text PRIMARY KEY,
  failing_since bigint,
  disabled_at bigint,
  last_error text,
  last_success_at bigint
);`,
};
