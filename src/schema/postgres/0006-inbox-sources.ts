// PostgreSQL migration 6, as shipped. Frozen: never edit; a change is a new migration.
// As SQLite's migration 9: inbox rows say which source they came from.
export const m0006 = {
  version: 6,
  name: 'inbox sources',
  sql: `ALTER TABLE authsync_events ADD COLUMN source_id text;
UPDATE authsync_events SET source_id = (SELECT name FROM authsync_cursor) WHERE (SELECT COUNT(*) FROM authsync_cursor) = 1;`,
};
