/**
 * authsync: keeps an application's own database in step with its identity provider.
 * The sync engine lands here next; for now the library exposes the version, and the WorkOS
 * emulator lives at `authsync/emulator`.
 */
export { VERSION } from './version.js';
