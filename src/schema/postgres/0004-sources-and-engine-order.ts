// PostgreSQL migration 4, as shipped. Frozen: never edit; a change is a new migration.
// Sources have ids: the one cursor there was (WorkOS's, named 'workos_events') becomes the
// source 'workos' and records its provider; its state keys are scoped as '<source id>/<key>'.
// The engine owns the order of events: each inbox row has a stream position (text, compared as
// text). A provider whose stream has an order of its own gives it (WorkOS: its event ids, which
// ascend in stream order); for others the engine numbers events as the stream shows them, from
// a counter (authsync_sequence, zero-padded to 20 digits). Ties of time and "in stream order"
// compare positions, never ids. Rows of earlier releases were all WorkOS's: their position is
// their id.
export const m0004 = {
  version: 4,
  name: 'sources and engine order',
  sql: `ALTER TABLE authsync_cursor ADD COLUMN provider text;
UPDATE authsync_cursor SET name = 'workos', provider = 'workos' WHERE name = 'workos_events';
UPDATE authsync_state SET key = 'workos/' || key;
ALTER TABLE authsync_events ADD COLUMN position text;
UPDATE authsync_events SET position = id;
CREATE TABLE authsync_sequence (name text PRIMARY KEY, value bigint NOT NULL);
INSERT INTO authsync_sequence (name, value) VALUES ('inbox', 0);
DROP INDEX authsync_events_waiting;
CREATE INDEX authsync_events_waiting ON authsync_events (lane, position) WHERE status IN ('pending', 'dead');`,
};
