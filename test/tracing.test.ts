import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { signWorkOSWebhook, startEmulator } from '../src/emulator/index.js';
import { startTracing } from '../src/runtimes/node/tracing.js';
import { FORWARD_SECRET } from './helpers/app-endpoint.js';
import { startReceiver } from './helpers/receiver.js';
import { freePort } from './helpers/postgres-server.js';
import { syncFor, tempDbPath } from './helpers/sync-env.js';

const run = promisify(execFile);
const CLI = new URL('../dist/cli.js', import.meta.url).pathname;

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpSpan {
  name: string;
  attributes?: { key: string; value: OtlpValue }[];
  startTimeUnixNano: string;
  endTimeUnixNano: string;
}

const valueOf = (v: OtlpValue): unknown =>
  v.arrayValue
    ? (v.arrayValue.values ?? []).map(valueOf)
    : (v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : v.boolValue));

/** An OTLP/HTTP receiver that decodes the JSON it is sent, as a collector would. */
async function otlpReceiver() {
  const spans: { name: string; attributes: Record<string, unknown>; raw: string }[] = [];
  const paths: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      paths.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(raw) as {
        resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
      };
      for (const rs of body.resourceSpans)
        for (const ss of rs.scopeSpans)
          for (const s of ss.spans)
            spans.push({
              name: s.name,
              attributes: Object.fromEntries(
                (s.attributes ?? []).map((a) => [a.key, valueOf(a.value)]),
              ),
              raw,
            });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    paths,
    close: () => new Promise((r) => server.close(r)),
  };
}

describe('traces (OpenTelemetry over OTLP/HTTP)', () => {
  it('a span per page read, commit and delivery, with event ids and lanes, and never a secret', async () => {
    const emu = await startEmulator({ seed: 93, events: 300 });
    const rx = await startReceiver();
    const otlp = await otlpReceiver();
    const destinations = [{ name: 'app', url: rx.at('app'), secrets: [FORWARD_SECRET] }];
    try {
      await run('node', [CLI, 'sync', '--once', '--no-import', '--settle-ms', '0'], {
        env: {
          PATH: process.env.PATH,
          LOG_LEVEL: 'warn',
          WORKOS_API_URL: emu.url,
          WORKOS_API_KEY: emu.apiKey,
          DATABASE_URL: tempDbPath(),
          AUTHSYNC_DESTINATIONS: JSON.stringify(destinations),
          OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
          OTEL_SERVICE_NAME: 'authsync-test',
        },
      });
      expect(otlp.paths[0]).toMatch(/^POST \/v1\/traces application\/json/);
      const named = (name: string) => otlp.spans.filter((s) => s.name === name);
      const reads = named('authsync.read_page');
      expect(reads.length).toBeGreaterThan(0);
      // (The last page is read again, past the settle window: at least every event once.)
      expect(
        reads.reduce((n, s) => n + (s.attributes['authsync.events'] as number), 0),
      ).toBeGreaterThanOrEqual(300);
      const commits = named('authsync.commit');
      // Each commit lists its first 100 event ids and counts them all.
      expect(
        commits.reduce((n, s) => n + (s.attributes['authsync.events'] as number), 0),
      ).toBeGreaterThanOrEqual(300);
      const listed = commits.flatMap((s) => s.attributes['authsync.event_ids'] as string[]);
      expect(listed).toContain(emu.emulator.world.events.at(0)!.id);
      expect(
        commits.every((s) => (s.attributes['authsync.event_ids'] as string[]).length <= 100),
      ).toBe(true);
      const withEvents = commits.filter((s) => (s.attributes['authsync.events'] as number) > 0);
      expect(withEvents.every((s) => (s.attributes['authsync.lanes'] as string[]).length > 0)).toBe(
        true,
      );
      const deliveries = named('authsync.delivery');
      expect(deliveries.length).toBe(300);
      expect(deliveries[0]!.attributes).toMatchObject({
        'authsync.destination': 'app',
        'authsync.result': 'delivered',
        'http.response.status_code': 200,
        'authsync.event_id': expect.stringMatching(/^event_/),
        'authsync.lane': expect.any(String),
      });
      for (const secret of [emu.apiKey, FORWARD_SECRET, FORWARD_SECRET.slice('whsec_'.length)])
        expect(otlp.spans.some((s) => s.raw.includes(secret))).toBe(false);
    } finally {
      await otlp.close();
      await rx.close();
      await emu.close();
    }
  });

  it('without OTEL_EXPORTER_OTLP_ENDPOINT nothing of OpenTelemetry is loaded', async () => {
    const emu = await startEmulator({ seed: 94, events: 20 });
    try {
      // Every module the process loads through require (how optional packages are loaded),
      // written out as it exits.
      const dir = mkdtempSync(join(tmpdir(), 'authsync-otel-'));
      const preload = join(dir, 'preload.cjs');
      const list = join(dir, 'loaded.json');
      writeFileSync(
        preload,
        `const Module = require('node:module'); const fs = require('node:fs');
         const seen = []; const load = Module._load;
         Module._load = function (request, ...rest) { seen.push(String(request)); return load.call(this, request, ...rest); };
         process.on('exit', () => fs.writeFileSync(${JSON.stringify(list)}, JSON.stringify(seen)));`,
      );
      await run('node', ['--require', preload, CLI, 'sync', '--once', '--no-import'], {
        env: {
          PATH: process.env.PATH,
          LOG_LEVEL: 'silent',
          WORKOS_API_URL: emu.url,
          WORKOS_API_KEY: emu.apiKey,
          DATABASE_URL: tempDbPath(),
        },
      });
      const loaded = JSON.parse(readFileSync(list, 'utf8')) as string[];
      // The hook works (the SQLite driver is loaded this way on Node 20; node:sqlite on 24)...
      expect(loaded.length).toBeGreaterThan(0);
      // ...and nothing of OpenTelemetry came through it.
      expect(loaded.filter((m) => m.includes('@opentelemetry'))).toEqual([]);
    } finally {
      await emu.close();
    }
  });

  it('a span per webhook delivery: its size, the answer, the event (or why it was refused)', async () => {
    const emu = await startEmulator({ seed: 95, events: 10 });
    const otlp = await otlpReceiver();
    const secret = 'whsec_tracing_test_secret';
    const spans = startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url })!;
    const sync = syncFor(emu, tempDbPath(), { webhookSecrets: [secret], spans, settleMs: 0 });
    try {
      await sync.migrate();
      const body = emu.emulator.world.events.at(3)!.json;
      const signed = signWorkOSWebhook(body, secret, Date.now());
      const bytes = new TextEncoder().encode(body);
      const header = (signature: string) => (name: string) =>
        name === 'workos-signature' ? signature : undefined;
      expect((await sync.receiveWebhook(bytes, header(signed))).status).toBe(200);
      expect((await sync.receiveWebhook(bytes, header('t=1, v1=00'))).status).toBe(401);
    } finally {
      await sync.close();
      await otlp.close();
      await emu.close();
    }
    const hooks = otlp.spans.filter((s) => s.name === 'authsync.webhook');
    expect(hooks.map((s) => s.attributes['http.response.status_code'])).toEqual([200, 401]);
    expect(hooks[0]!.attributes).toMatchObject({
      'authsync.event_id': emu.emulator.world.events.at(3)!.id,
      'authsync.bytes': expect.any(Number),
      'authsync.duplicate': false,
    });
    expect(hooks[1]!.attributes['authsync.refused']).toEqual(expect.any(String));
    expect(otlp.spans.some((s) => s.raw.includes(secret))).toBe(false);
  });

  it('a collector that does not answer costs the traces, never the sync', async () => {
    const emu = await startEmulator({ seed: 96, events: 50 });
    try {
      const closed = `http://127.0.0.1:${await freePort()}`;
      const { stderr } = await run('node', [CLI, 'sync', '--once', '--no-import'], {
        env: {
          PATH: process.env.PATH,
          LOG_LEVEL: 'warn',
          WORKOS_API_URL: emu.url,
          WORKOS_API_KEY: emu.apiKey,
          DATABASE_URL: tempDbPath(),
          OTEL_EXPORTER_OTLP_ENDPOINT: closed,
        },
      });
      expect(stderr).not.toMatch(/authsync: /);
    } finally {
      await emu.close();
    }
  }, 60_000);
});
