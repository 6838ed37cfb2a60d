// SQLite (and D1) migration 3, as shipped. Frozen: never edit; a change is a new migration.
export const m0003 = {
  version: 3,
  name: 'reconcile keys',
  sql: `CREATE TABLE authsync_reconcile_seen (table_name TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (table_name, key)) WITHOUT ROWID;`,
};
