/**
 * authsync: keeps an application's own database in step with its identity provider.
 * `createSync` is the library; the HTTP service at `authsync/serve` (so that syncing alone never
 * loads the HTTP server and metrics); the WorkOS emulator at `authsync/emulator`.
 */
export { VERSION } from './version.js';
export { createSync, createSyncs, Sync, type CreateSyncOptions } from './create-sync.js';
export type { WorkOSEvent } from './providers/workos/envelope.js';
export type * from './providers/workos/events.js';
export type { DrainResult } from './engine/sync.js';
export { TABLES } from './schema/index.js';
export type { ReconcileReport } from './create-sync.js';
export { WorkOSWebhookVerifier } from './providers/workos/webhook-verifier.js';
export { limitHeapGrowth } from './runtimes/node/heap.js';
