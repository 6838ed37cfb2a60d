/**
 * Tables as the engine sees them: each provider declares a table set (names, keys, a declared
 * type per column, indexes), the catalog gathers the sets a store holds. Applications read these
 * tables directly, so a set is an interface of the product; its history is the frozen migrations
 * (`src/schema/`), and a test checks that every store's schema matches the catalog exactly.
 */

/**
 * What a column holds. Rows carry booleans as 0/1, JSON as text, times as ISO-8601 UTC strings;
 * each store maps the kind to its own type (PostgreSQL: boolean, jsonb, timestamptz, bigint).
 */
export type ColumnType = 'text' | 'integer' | 'boolean' | 'json' | 'time';

export interface IndexSpec {
  name: string;
  columns: readonly string[];
}

export interface TableSpec {
  name: string;
  /** The primary-key columns. */
  key: readonly string[];
  /** All columns, in order. */
  columns: readonly string[];
  types: Readonly<Record<string, ColumnType>>;
  /** Columns that may not be null (the key columns among them). */
  required: readonly string[];
  indexes: readonly IndexSpec[];
  /**
   * An append-only log (one row per event, never updated or deleted): reconciliation leaves
   * it alone, since no list endpoint shows its rows.
   */
  log?: boolean;
}

/** One provider's tables, and the columns its cascades select rows by. */
export interface TableSet {
  tables: readonly TableSpec[];
  /** Foreign keys that never change: a deleted parent's rows are found by them (`deleteWhere`). */
  cascadeColumns: readonly string[];
}

/**
 * An entity table: the key, the declared columns, then `raw` (the object as JSON), `created_at`,
 * `updated_at` and `last_event_id` (the event that last wrote the row; null from an import).
 */
export function entityTable(
  name: string,
  columns: Record<string, ColumnType>,
  options: { key?: string[]; indexes?: IndexSpec[] } = {},
): TableSpec {
  const key = options.key ?? ['id'];
  const types: Record<string, ColumnType> = {};
  for (const k of key) types[k] = 'text';
  Object.assign(types, columns, {
    raw: 'json',
    created_at: 'time',
    updated_at: 'time',
    last_event_id: 'text',
  });
  return {
    name,
    key,
    columns: Object.keys(types),
    types,
    required: [...key, 'created_at', 'updated_at'],
    indexes: options.indexes ?? [],
  };
}

/** The tables a store holds: every set it is given, looked up by name. */
export class TableCatalog {
  private readonly byName = new Map<string, TableSpec>();
  readonly cascadeColumns: readonly string[];

  constructor(sets: readonly TableSet[]) {
    const cascade = new Set<string>();
    for (const set of sets) {
      for (const t of set.tables) {
        if (this.byName.has(t.name)) throw new Error(`two table sets declare ${t.name}`);
        this.byName.set(t.name, t);
      }
      for (const c of set.cascadeColumns) cascade.add(c);
    }
    this.cascadeColumns = [...cascade];
  }

  /** Every table's name, in declaration order. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  tables(): TableSpec[] {
    return [...this.byName.values()];
  }

  spec(name: string): TableSpec {
    const spec = this.byName.get(name);
    if (!spec) throw new Error(`unknown table ${name}`);
    return spec;
  }
}

/** The key of a row as one string (tombstones and parents use it): key columns joined by `/`. */
export function rowKey(table: TableSpec, row: Record<string, unknown>): string {
  if (table.key.length === 1) return String(row[table.key[0]!] ?? '');
  return table.key.map((k) => String(row[k] ?? '')).join('/');
}

/** One numbered step of a store's schema history: fixed text, never edited once shipped. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** What a store is given to hold: the tables it keeps and the migrations that make them. */
export interface StoreSchema {
  tables: TableCatalog;
  migrations: readonly Migration[];
}
