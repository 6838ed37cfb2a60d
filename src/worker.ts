/**
 * `authsync/worker`: authsync as a Cloudflare Worker writing to D1. Re-export the default for the
 * plain Worker, or `createWorker({ on: { 'user.created': handler } })` for handlers. Nothing here
 * reaches a Node-only module (CI bundles this entry without Node compatibility to prove it).
 */
import { createWorker } from './runtimes/worker/worker.js';

export {
  createWorker,
  type AuthsyncWorkerEnv,
  type RunReport,
  type WorkerOptions,
} from './runtimes/worker/worker.js';
export { D1Store } from './stores/d1/d1-store.js';
export type { D1Database } from './stores/d1/d1-types.js';
export { SQLITE_SCHEMA, TABLES } from './schema/index.js';
export type { WorkOSEvent } from './providers/workos/envelope.js';

export default createWorker();
