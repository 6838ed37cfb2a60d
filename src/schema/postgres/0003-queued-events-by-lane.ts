// PostgreSQL migration 3, as shipped. Frozen: never edit; a change is a new migration.
// Distributed work: `status` counts each lane's events still queued for a process.
export const m0003 = {
  version: 3,
  name: 'queued events by lane',
  sql: `CREATE INDEX authsync_events_queued ON authsync_events (lane) WHERE status = 'queued';`,
};
