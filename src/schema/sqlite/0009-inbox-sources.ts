// SQLite (and D1) migration 9, as shipped. Frozen: never edit; a change is a new migration.
// Inbox rows say which source they came from: with several sources in one database (a WorkOS
// environment and an Auth0 tenant), each sweeps, counts and lists only its own held events and
// dead letters (another provider's events are not its projections' to apply). Rows from before
// belong to the one source there was, where there was one; otherwise they stay unassigned
// (NULL), which every source takes as its own, as before.
export const m0009 = {
  version: 9,
  name: 'inbox sources',
  sql: `ALTER TABLE authsync_events ADD COLUMN source_id TEXT;
UPDATE authsync_events SET source_id = (SELECT name FROM authsync_cursor) WHERE (SELECT COUNT(*) FROM authsync_cursor) = 1;`,
};
