// SQLite (and D1) migration 2, as shipped. Frozen: never edit; a change is a new migration.
// webhook_at: when a webhook delivered the event (null: never); api_seen: whether the Events API
// has shown it. Held events (delivered by webhook, not yet shown by the API) are swept by age.
export const m0002 = {
  version: 2,
  name: 'webhook inbox',
  sql: `ALTER TABLE authsync_events ADD COLUMN webhook_at TEXT;
ALTER TABLE authsync_events ADD COLUMN api_seen INTEGER NOT NULL DEFAULT 1;
CREATE INDEX authsync_events_held ON authsync_events (received_at) WHERE status = 'held';`,
};
