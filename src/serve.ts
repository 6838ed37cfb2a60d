/**
 * `authsync/serve`: the long-running service (webhooks, health, metrics) around a `Sync`, for
 * applications that host it themselves; `authsync serve` is this from the command line.
 */
export { startService, type RunningService, type ServeOptions } from './runtimes/node/serve.js';
export { ServeMetrics } from './runtimes/node/metrics.js';
export { createServeApp, type ServeAppOptions } from './runtimes/node/server.js';
