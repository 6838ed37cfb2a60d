// PostgreSQL migration 4, as shipped. Frozen: never edit; a change is a new migration.
// Sources have ids: the one cursor there was (WorkOS's, named 'workos_events') becomes the
// source 'workos' and records its provider; its state keys are scoped as '<source id>/<key>'.
export const m0004 = {
  version: 4,
  name: 'source ids',
  sql: `ALTER TABLE authsync_cursor ADD COLUMN provider text;
UPDATE authsync_cursor SET name = 'workos', provider = 'workos' WHERE name = 'workos_events';
UPDATE authsync_state SET key = 'workos/' || key;`,
};
