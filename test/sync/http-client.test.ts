import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/engine/ports.js';
import { undiciGet } from '../../src/runtimes/node/http-get.js';
import { fetchGet, getJson, type HttpGet } from '../../src/http/get-json.js';
import { workosApi } from '../../src/providers/workos/http.js';

// The emulator never compresses; WorkOS does. Both clients must ask for it and inflate it.
const page = { object: 'list', data: [{ id: 'event_1', note: 'ü "quoted" \\ ✓' }] };
/** 100 MB of zeros: a small gzip or brotli body that inflates past the limit. */
const zeros = () => Buffer.alloc(100 * 1024 * 1024);
const bombs: { gzip?: Buffer; br?: Buffer } = {};
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
    else if (encoding === 'gzip-bomb')
      res.writeHead(200, { 'content-encoding': 'gzip' }).end((bombs.gzip ??= gzipSync(zeros())));
    else if (encoding === 'br-bomb')
      res.writeHead(200, { 'content-encoding': 'br' }).end(
        (bombs.br ??= brotliCompressSync(zeros(), {
          params: { [constants.BROTLI_PARAM_QUALITY]: 1 },
        })),
      );
    else if (encoding === 'endless') {
      // 80 MB without a length, 1 MB at a time, for as long as the client reads.
      const mb = Buffer.alloc(1024 * 1024, 0x20);
      let left = 80;
      const more = () => {
        while (left-- > 0) if (!res.write(mb)) return void res.once('drain', more);
        res.end();
      };
      res.on('close', () => (left = 0));
      res.writeHead(200);
      more();
    } else if (encoding === 'declared')
      res.writeHead(200, { 'content-length': String(200 * 1024 * 1024) }).end('{}');
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

for (const [name, get] of clients)
  it(`${name}: an answer past 64 MB, sent or once inflated (a gzip or brotli bomb), is refused, not held in memory`, async () => {
    const api = workosApi({
      apiUrl: url,
      apiKey: 'sk_test',
      logger: silentLogger,
      get,
      maxAttempts: 1,
    });
    for (const encoding of ['gzip-bomb', 'br-bomb', 'endless', 'declared'])
      await expect(getJson(api, '/events', { encoding }), encoding).rejects.toThrow(
        /the answer to GET \/events is larger than 64 MB/,
      );
    // And the ordinary page still reads after them.
    expect(await getJson(api, '/events', { encoding: 'gzip' })).toEqual(page);
  });
