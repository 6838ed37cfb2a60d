import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/engine/ports.js';
import { undiciGet } from '../../src/runtimes/node/http-get.js';
import { fetchGet, getJson, type HttpGet } from '../../src/http/get-json.js';
import { workosApi } from '../../src/providers/workos/http.js';

// The emulator never compresses; WorkOS does. Both clients must ask for it and inflate it.
const page = { object: 'list', data: [{ id: 'event_1', note: 'ü "quoted" \\ ✓' }] };
let server: Server;
let url: string;
const seen: (string | undefined)[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers['accept-encoding']);
    const body = Buffer.from(JSON.stringify(page));
    const encoding = new URL(req.url!, 'http://x').searchParams.get('encoding');
    if (encoding === 'gzip') res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(body));
    else if (encoding === 'br')
      res.writeHead(200, { 'content-encoding': 'br' }).end(brotliCompressSync(body));
    else if (encoding === 'zstd-ish') res.writeHead(200, { 'content-encoding': 'xz' }).end(body);
    else res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const clients: [string, HttpGet][] = [
  ['undici request (Node)', undiciGet],
  ['fetch (every runtime)', fetchGet],
];

for (const [name, get] of clients)
  describe(`WorkOS HTTP client: ${name}`, () => {
    const options = {
      apiUrl: url,
      apiKey: 'sk_test',
      logger: silentLogger,
      get,
      maxAttempts: 2,
      baseDelayMs: 1,
    };
    it('asks for compressed pages and reads plain, gzip and brotli ones alike', async () => {
      for (const encoding of ['none', 'gzip', 'br']) {
        seen.length = 0;
        expect(
          await getJson(workosApi({ ...options, apiUrl: url }), '/events', { encoding }),
        ).toEqual(page);
        expect(seen[0]).toMatch(/gzip/);
      }
    });
  });

it('an encoding it cannot read fails with a message that names it, after retrying', async () => {
  await expect(
    getJson(
      workosApi({
        apiUrl: url,
        apiKey: 'sk_test',
        logger: silentLogger,
        get: undiciGet,
        maxAttempts: 2,
        baseDelayMs: 1,
      }),
      '/events',
      { encoding: 'zstd-ish' },
    ),
  ).rejects.toThrow(/failed 2 times; last: .*content-encoding: xz/);
});
