// SQLite (and D1) migration 5, as shipped. Frozen: never edit; a change is a new migration.
// The same index as PostgreSQL's, where distributed work queues events (see `status`).
export const m0005 = {
  version: 5,
  name: 'queued events by lane',
  sql: `CREATE INDEX authsync_events_queued ON authsync_events (lane) WHERE status = 'queued';`,
};
