import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Sync } from '../../create-sync.js';
import type { Logger } from '../../engine/ports.js';
import type { ServeMetrics } from './metrics.js';
import { Hono } from 'hono';
import { createServeApp, mountMetricsRoute } from './server.js';

export interface ServeOptions {
  /** The sources to follow (one or more, on one database; `createSyncs` makes them). */
  syncs: readonly Sync[];
  metrics: ServeMetrics;
  logger: Logger;
  /** 0 picks a free port. */
  port: number;
  hostname: string;
  maxBodyBytes?: number;
  /** `/readyz` fails when no page was read for this long (default 120 s). */
  stalledAfterMs?: number;
  /** Reconcile the tables with the list endpoints this often (0: never). */
  reconcileEveryMs: number;
  /** Opens `GET /status` (HTTP Basic, user `authsync`); without it the page is off. */
  statusPassword?: string;
  /** A client has this long to send a request's headers (default 10 s), and its whole body (default 30 s). */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Serve `/metrics` on this port (same host) instead of the main one (0 picks a free one). */
  metricsPort?: number;
  /** `/metrics` asks for the status password (HTTP Basic, user `authsync`). */
  metricsPassword?: boolean;
}

export interface RunningService {
  url: string;
  /** Where `/metrics` is served when it has a port of its own. */
  metricsUrl?: string;
  /**
   * Stops taking requests, lets requests in flight finish, stops the sync after the transaction
   * in flight, and closes the database. Resolves when all of that is done.
   */
  stop(): Promise<void>;
  /** Settles when the sync loops end (rejects when one stopped on an unrecoverable error). */
  done: Promise<void>;
}

/**
 * `authsync serve`: the continuous sync of each source, the HTTP server, and reconciliation on
 * a schedule.
 */
export async function startService(options: ServeOptions): Promise<RunningService> {
  const { syncs, metrics, logger } = options;
  if (syncs.length === 0) throw new Error('startService needs at least one source.');
  if (options.metricsPassword && !options.statusPassword)
    throw new Error('metricsPassword needs statusPassword (AUTHSYNC_STATUS_PASSWORD).');
  for (const sync of syncs) await sync.migrate();
  metrics.observe(syncs);
  const app = createServeApp({
    syncs,
    metrics,
    logger,
    maxBodyBytes: options.maxBodyBytes,
    stalledAfterMs: options.stalledAfterMs,
    statusPassword: options.statusPassword,
    metricsAt:
      options.metricsPort !== undefined
        ? 'elsewhere'
        : options.metricsPassword
          ? 'password'
          : 'open',
  });
  const metricsServer =
    options.metricsPort === undefined
      ? null
      : await listen(
          metricsApp(metrics, options.metricsPassword ? options.statusPassword : undefined).fetch,
          options.metricsPort,
          options.hostname,
        );
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve(
      {
        fetch: app.fetch,
        port: options.port,
        hostname: options.hostname,
        // Slow clients (headers or a body dripped, then stalled) must not hold connections:
        // Node checks these limits every `connectionsCheckingInterval` (30 s by default).
        serverOptions: {
          headersTimeout: options.headersTimeoutMs ?? 10_000,
          requestTimeout: options.requestTimeoutMs ?? 30_000,
          connectionsCheckingInterval: 1000,
        },
      },
      () => resolve(s),
    );
    s.once('error', reject);
  });
  // Idle keep-alive connections outlive a load balancer's usual 60 s idle timeout.
  if ('keepAliveTimeout' in server) server.keepAliveTimeout = 65_000;
  const { port } = server.address() as AddressInfo;
  const controller = new AbortController();

  let reconciling: Promise<unknown> | null = null;
  const reconcileNow = () => {
    if (reconciling || controller.signal.aborted) return;
    reconciling = (async () => {
      // One source after another: reconciliation reads every list endpoint, and the sources
      // share the database.
      for (const sync of syncs) {
        if (controller.signal.aborted) return;
        try {
          metrics.recordReconcile(
            sync.sourceId,
            await sync.reconcile({ signal: controller.signal }),
          );
        } catch (error) {
          if (!controller.signal.aborted)
            logger.error('reconciliation failed; will try at the next interval', {
              source: sync.sourceId,
              error: (error as Error).message,
            });
        }
      }
    })().finally(() => (reconciling = null));
  };
  const timer =
    options.reconcileEveryMs > 0 ? setInterval(reconcileNow, options.reconcileEveryMs) : null;
  timer?.unref();

  const runs = syncs.map((sync) => sync.run(controller.signal));
  const done = Promise.all(runs).then(() => {});
  done.catch(() => {});
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      if (timer) clearInterval(timer);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      if ('closeIdleConnections' in server) server.closeIdleConnections();
      // A client that keeps its connection busy does not hold the shutdown up for long.
      const force = setTimeout(() => {
        if ('closeAllConnections' in server) server.closeAllConnections();
      }, 10_000);
      await closed;
      clearTimeout(force);
      if (metricsServer) await new Promise<void>((r) => metricsServer.close(() => r()));
      controller.abort(new Error('stopping'));
      await Promise.allSettled([...runs, reconciling]);
      await Promise.all(syncs.map((sync) => sync.close()));
    })());
  const host = options.hostname.includes(':') ? `[${options.hostname}]` : options.hostname;
  const metricsPort = metricsServer && (metricsServer.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    ...(metricsPort ? { metricsUrl: `http://${host}:${metricsPort}/metrics` } : {}),
    stop,
    done,
  };
}

/** A server of `/metrics` alone, for a port of its own (scraped from inside the network). */
function metricsApp(metrics: ServeMetrics, password?: string): Hono {
  const app = new Hono();
  mountMetricsRoute(app, metrics, password);
  app.notFound((c) => c.json({ error: 'Not found: this port serves /metrics.' }, 404));
  return app;
}

function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  port: number,
  hostname: string,
): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname }, () => resolve(server));
    server.once('error', reject);
  });
}
