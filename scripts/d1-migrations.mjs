// Writes d1/migrations/*.sql (for `wrangler d1 migrations apply`) from the SQLite migrations.
// Run `npm run build` first; `npm run d1:migrations` does both.
import { mkdirSync, writeFileSync } from 'node:fs';
import { SQLITE_SCHEMA } from '../dist/schema/index.js';
import { d1MigrationFiles } from '../dist/stores/d1/migrations.js';

const dir = new URL('../d1/migrations/', import.meta.url);
mkdirSync(dir, { recursive: true });
for (const file of d1MigrationFiles(SQLITE_SCHEMA.migrations)) {
  writeFileSync(new URL(file.name, dir), file.sql);
  console.log(`d1/migrations/${file.name}`);
}
