import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/engine/ports.js';
import { getJson } from '../../src/http/get-json.js';
import { RateLimiter } from '../../src/http/rate-limiter.js';
import { undiciGet } from '../../src/runtimes/node/http-get.js';

/** What the server answers next, per path: each answer is taken once; then 200 `{}`. */
const script = new Map<string, { status: number; headers: Record<string, string> }[]>();
const arrivals: { path: string; atMs: number }[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    arrivals.push({ path, atMs: Date.now() });
    const next = script.get(path)?.shift() ?? { status: 200, headers: {} };
    res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
    res.end(next.status === 429 ? '{"statusCode":429,"error":"Too Many Requests"}' : '{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const options = (limiter: RateLimiter) => ({
  baseUrl: url,
  headers: {},
  logger: silentLogger,
  names: { provider: 'Test', credentials: 'the key', url: 'TEST_URL' },
  get: undiciGet,
  maxAttempts: 3,
  baseDelayMs: 1,
  limiter,
});

describe('answers that pace the client (readers side by side share one bucket)', () => {
  it('429s that say when to come back are waited out without counting as failures; endless ones still end', async () => {
    const limiter = new RateLimiter(1_000_000, 60_000);
    const later = { status: 429, headers: { 'retry-after': '0' } };
    // More 429s in a row than maxAttempts (3): then the answer.
    script.set(
      '/paced',
      Array.from({ length: 12 }, () => later),
    );
    await expect(getJson(options(limiter), '/paced', {})).resolves.toEqual({});
    expect(arrivals.filter((a) => a.path === '/paced')).toHaveLength(13);
    // A server that never stops saying "later": 50 waited out, then the 3 attempts fail.
    script.set(
      '/never',
      Array.from({ length: 1000 }, () => later),
    );
    await expect(getJson(options(limiter), '/never', {})).rejects.toThrow(
      /failed 3 times; last: rate limited \(429\)/,
    );
    expect(arrivals.filter((a) => a.path === '/never')).toHaveLength(53);
    // A 429 without a time is a failure like a 5xx.
    script.set(
      '/untimed',
      Array.from({ length: 10 }, () => ({ status: 429, headers: {} })),
    );
    await expect(getJson(options(limiter), '/untimed', {})).rejects.toThrow(/failed 3 times/);
    expect(arrivals.filter((a) => a.path === '/untimed')).toHaveLength(3);
  });

  it('a token refused three times in a row ends the request; refusals apart (tokens expiring while 429s are waited out) do not', async () => {
    const limiter = new RateLimiter(1_000_000, 60_000);
    let tokens = 0;
    const auth = { authorization: async () => `Bearer t${++tokens}`, refused() {} };
    const expired = { status: 401, headers: {} };
    const later = { status: 429, headers: { 'retry-after': '0' } };
    script.set('/apart', [expired, expired, expired, later, expired, expired, expired, later]);
    await expect(
      getJson({ ...options(limiter), auth, maxAttempts: 10 }, '/apart', {}),
    ).resolves.toEqual({});
    expect(tokens).toBe(9);
    script.set(
      '/revoked',
      Array.from({ length: 10 }, () => expired),
    );
    await expect(
      getJson({ ...options(limiter), auth, maxAttempts: 10 }, '/revoked', {}),
    ).rejects.toThrow(/was rejected by .* \(401\)/);
    expect(arrivals.filter((a) => a.path === '/revoked')).toHaveLength(4);
  });

  it('a refused token is retried at once and does not lengthen the backoff of the failures after it', async () => {
    const limiter = new RateLimiter(1_000_000, 60_000);
    const auth = { authorization: async () => 'Bearer t', refused() {} };
    const expired = { status: 401, headers: {} };
    const failed = { status: 502, headers: {} };
    script.set('/expiring', [expired, expired, expired, failed, expired, expired, expired, failed]);
    const waits: number[] = [];
    const sleep = async (ms: number) => void waits.push(ms);
    // The top of the jitter, so each wait is the whole backoff of its turn.
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.99);
    try {
      await expect(
        getJson(
          { ...options(limiter), auth, maxAttempts: 20, baseDelayMs: 100, sleep },
          '/expiring',
          {},
        ),
      ).resolves.toEqual({});
    } finally {
      random.mockRestore();
    }
    // Tokens at once; the first 502 waits the first backoff (100 ms), the second the next (200):
    // counted by attempts, they were 800 and 12,800 ms.
    expect(waits.map(Math.round)).toEqual([0, 0, 0, 99, 0, 0, 0, 198]);
  });
});
