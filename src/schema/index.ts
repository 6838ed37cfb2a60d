import { TableCatalog, type StoreSchema, type TableSpec } from '../engine/tables.js';
import { AUTH0_TABLES } from '../providers/auth0/tables.js';
import { WORKOS_TABLES } from '../providers/workos/tables.js';
import { POSTGRES_MIGRATIONS } from './postgres/index.js';
import { SQLITE_MIGRATIONS } from './sqlite/index.js';

/**
 * The schema history: one numbered list of frozen migrations per dialect (D1 runs SQLite's),
 * and the catalog of the tables they make. Every provider's tables are in every database, so
 * one history serves all of them. A schema change is a new migration here and the matching
 * change to a provider's table set; test/stores/schema-history.test.ts checks they agree.
 */
export const CATALOG = new TableCatalog([WORKOS_TABLES, AUTH0_TABLES]);

export const SQLITE_SCHEMA: StoreSchema = { tables: CATALOG, migrations: SQLITE_MIGRATIONS };
export const POSTGRES_SCHEMA: StoreSchema = { tables: CATALOG, migrations: POSTGRES_MIGRATIONS };

/** Every table by name (the public `TABLES` export). */
export const TABLES: Readonly<Record<string, TableSpec>> = Object.fromEntries(
  CATALOG.tables().map((t) => [t.name, t]),
);
