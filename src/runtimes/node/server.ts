import { Hono } from 'hono';
import type { Sync } from '../../create-sync.js';
import { retentionProblem } from '../../sync.js';
import type { Logger } from '../../engine/ports.js';
import { failedDeliveries, performAction } from '../http/status-actions.js';
import { mountStatusRoute, passwordRequired } from '../http/status-route.js';
import { mountWebhookRoute } from '../http/webhook-route.js';
import type { ServeMetrics } from './metrics.js';

export interface ServeAppOptions {
  /** The sources served: each has its webhook route, `/webhooks/<source id>`. */
  syncs: readonly Sync[];
  metrics: ServeMetrics;
  logger: Logger;
  /** Larger webhook bodies are refused with 413 (default 1 MB). */
  maxBodyBytes?: number;
  /** `/readyz` fails when no page was read for this long (default 120 s). */
  stalledAfterMs?: number;
  startedAtMs?: number;
  /** Opens `GET /status` (HTTP Basic, user `authsync`); without it the page is off. */
  statusPassword?: string;
  /** Where `/metrics` is: here, here behind the status password, or on a port of its own. */
  metricsAt?: 'open' | 'password' | 'elsewhere';
}

/** `GET /metrics` on `app`, open or behind the status password (HTTP Basic, user `authsync`). */
export function mountMetricsRoute(app: Hono, metrics: ServeMetrics, password?: string): void {
  app.get('/metrics', password ? passwordRequired(password) : (_c, next) => next(), async (c) => {
    const body = await metrics.registry.metrics();
    return c.body(body, 200, { 'Content-Type': metrics.registry.contentType });
  });
}

/**
 * The service's HTTP surface: each source's webhook endpoint, health, readiness, metrics and
 * the status page.
 * Webhook deliveries are answered only after the event is durably in the inbox.
 */
export function createServeApp(options: ServeAppOptions): Hono {
  const { syncs, metrics, logger } = options;
  const stalledAfterMs = options.stalledAfterMs ?? 120_000;
  const startedAtMs = options.startedAtMs ?? Date.now();
  const app = new Hono();

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    // Label by route pattern, not path: unknown paths must not grow the label set.
    const route = c.req.routePath === '/*' ? 'other' : c.req.routePath;
    metrics.httpDuration.observe(
      { route, method: c.req.method, status: String(c.res.status) },
      (performance.now() - started) / 1000,
    );
  });

  mountWebhookRoute(app, {
    sync: (_c, sourceId) => syncs.find((s) => s.sourceId === sourceId),
    maxBodyBytes: options.maxBodyBytes,
    onRejected: (reason) => metrics.webhookRejections.inc({ reason }),
    onStored: (outcome, _c, sync) =>
      metrics.webhookDeliveries.inc({
        source_id: sync.sourceId,
        result: outcome.duplicate ? 'duplicate' : 'stored',
      }),
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', async (c) => {
    const problems: string[] = [];
    for (const sync of syncs) {
      // One source: its problems as they are; several: each says whose it is.
      const own = syncs.length === 1 ? '' : `${sync.sourceId}: `;
      try {
        await sync.backlog();
      } catch (error) {
        problems.push(`${own}database unreachable: ${(error as Error).message}`);
      }
      problems.push(...sync.problems.map((p) => own + p));
      // Not ready while events may be lost for good: the operator has something to do.
      const retention = await sync.retention().catch(() => null);
      if (retention?.atRisk) problems.push(own + retentionProblem(retention));
      const lastOk = sync.lastReadOkAtMs ?? startedAtMs;
      const idleMs = Date.now() - lastOk;
      if (idleMs > stalledAfterMs)
        problems.push(`${own}reader stalled: no page read for ${Math.round(idleMs / 1000)} s`);
    }
    if (problems.length > 0) return c.json({ status: 'unavailable', problems }, 503);
    return c.json({ status: 'ready' });
  });

  const metricsAt = options.metricsAt ?? 'open';
  if (metricsAt !== 'elsewhere')
    mountMetricsRoute(app, metrics, metricsAt === 'password' ? options.statusPassword : undefined);

  mountStatusRoute(app, {
    password: () => options.statusPassword,
    load: () =>
      Promise.all(
        syncs.map(async (sync) => ({
          report: await sync.status(),
          deadLetters: await sync.deadLetters(),
          activity: metrics.history.series(sync.sourceId),
        })),
      ),
    actions: {
      failedDeliveries: () => failedDeliveries(syncs),
      act: (_c, action) => performAction(syncs, action),
    },
  });

  app.notFound((c) => c.json({ error: 'Not found.' }, 404));
  app.onError((error, c) => {
    logger.error('request failed', { path: c.req.path, error: error.message });
    return c.json({ error: 'Internal error.' }, 500);
  });
  return app;
}
