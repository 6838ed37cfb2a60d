import { request } from 'node:http';
import type { RunningEmulator } from '../../src/emulator/index.js';
import type { CreateSyncOptions, Sync } from '../../src/index.js';
import { silentLogger } from '../../src/engine/ports.js';
import { ServeMetrics } from '../../src/runtimes/node/metrics.js';
import { startService } from '../../src/runtimes/node/serve.js';
import { syncFor } from './sync-env.js';
import { tempDb, type StoreKind } from './test-db.js';

export const SECRET = 'whsec_test_primary';

/** `authsync serve` in this process, against an emulator, on a free loopback port. */
export async function serveFor(
  emu: RunningEmulator,
  options: Partial<CreateSyncOptions> = {},
  serviceOptions: {
    stalledAfterMs?: number;
    statusPassword?: string;
    headersTimeoutMs?: number;
    requestTimeoutMs?: number;
    metricsPort?: number;
    metricsPassword?: boolean;
  } = {},
  kind: StoreKind = 'sqlite',
) {
  const path = tempDb(kind);
  const metrics = new ServeMetrics();
  const sync = syncFor(emu, path, {
    webhookSecrets: [SECRET],
    onApplied: metrics.onAppliedFor(options.sourceId ?? 'workos'),
    onDeliveryAttempt: metrics.onDeliveryAttempt,
    pollIntervalMs: 500,
    ...options,
  });
  const service = await startService({
    syncs: [sync],
    metrics,
    logger: silentLogger,
    port: 0,
    hostname: '127.0.0.1',
    reconcileEveryMs: 0,
    ...serviceOptions,
  });
  return { path, sync, metrics, service, webhookUrl: `${service.url}/webhooks/workos` };
}

/** `authsync serve` in this process for a sync made elsewhere (Auth0's), on a free loopback port. */
export function serveSync(sync: Sync) {
  return startService({
    syncs: [sync],
    metrics: new ServeMetrics(),
    logger: silentLogger,
    port: 0,
    hostname: '127.0.0.1',
    reconcileEveryMs: 0,
  });
}

/** Polls `check` until it returns true; fails with `describe()` after the timeout. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  describe: () => unknown = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`not reached within ${timeoutMs} ms: ${JSON.stringify(await describe())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The value of a counter or gauge with these labels (0 if never set). */
export async function metricValue(
  metrics: ServeMetrics,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l))
    .reduce((sum, v) => sum + v.value, 0);
}

/**
 * A raw HTTP request (node:http, so any header, method or framing can be sent as is).
 * `chunked` sends the body without a content-length.
 */
export function rawRequest(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: Buffer | string;
    chunked?: boolean;
  },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const headers: Record<string, string | number> = { ...options.headers };
    if (body && !options.chunked) headers['content-length'] = body.length;
    if (body && options.chunked) headers['transfer-encoding'] = 'chunked';
    const req = request(url, { method: options.method ?? 'POST', headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body && options.chunked) {
      // Several chunks, so a limit must be enforced while streaming, not from a header. Like
      // curl, stop sending once the server has answered.
      let answered = false;
      req.once('response', () => (answered = true));
      void (async () => {
        for (let i = 0; i < body.length && !answered; i += 64 * 1024) {
          if (!req.write(body.subarray(i, i + 64 * 1024)))
            await new Promise((r) => req.once('drain', r));
        }
        if (!answered) req.end();
      })();
    } else req.end(body);
  });
}
