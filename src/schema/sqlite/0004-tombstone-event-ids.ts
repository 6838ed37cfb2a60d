// SQLite (and D1) migration 4, as shipped. Frozen: never edit; a change is a new migration.
// The deleting event orders a deletion against a write in the same millisecond.
export const m0004 = {
  version: 4,
  name: 'tombstone event ids',
  sql: `ALTER TABLE authsync_tombstones ADD COLUMN event_id TEXT;`,
};
