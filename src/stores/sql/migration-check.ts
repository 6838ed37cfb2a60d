import type { Migration } from '../../engine/tables.js';

/**
 * Refuses a database that a newer authsync has migrated (a migration this build does not know):
 * its tables may have changed in ways this build would write wrongly. Every command checks it,
 * on every store.
 */
export function refuseNewerDatabase(applied: Iterable<number>, known: readonly Migration[]): void {
  const newest = Math.max(0, ...applied);
  const knownNewest = Math.max(0, ...known.map((m) => m.version));
  if (newest > knownNewest)
    throw new Error(
      `The database was written by a newer authsync: it is at migration ${newest}, and this authsync knows migrations up to ${knownNewest}. Upgrade authsync to use it.`,
    );
}

/** For commands that only read: the migrations a database lacks, named with the command that adds them. */
export function refuseMissingMigrations(
  applied: ReadonlySet<number>,
  known: readonly Migration[],
  fix: string,
): void {
  const missing = known.filter((m) => !applied.has(m.version)).map((m) => m.version);
  if (missing.length > 0)
    throw new Error(`The database lacks authsync migrations ${missing.join(', ')}: ${fix}`);
}
