import { execFileSync } from 'node:child_process';
import { close, constants, mkdtempSync, open, openSync, closeSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardedLookup } from '../../src/runtimes/node/lookup.js';
import { undiciPoster } from '../../src/runtimes/node/http-post.js';

const gunzipAsync = promisify(gunzip);
const dir = mkdtempSync(join(tmpdir(), 'authsync-lookup-'));
const fifo = join(dir, 'name-server');
const server = createServer((_req, res) => res.writeHead(200).end('ok'));
let port = 0;

beforeAll(async () => {
  execFileSync('mkfifo', [fifo]);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/**
 * getaddrinfo while a name server does not answer, faithfully in what it costs: each lookup
 * of a `*.hang.test` name holds a thread of libuv's pool (it opens a FIFO nobody writes to,
 * which blocks on the pool) until `answerAll`; other names answer 127.0.0.1 at once.
 */
function silentNameServer() {
  const hanging: string[] = [];
  const lookup: LookupFunction = (hostname, options, done) => {
    if (!hostname.endsWith('.hang.test')) {
      if (options.all) return done(null, [{ address: '127.0.0.1', family: 4 }]);
      return done(null, '127.0.0.1', 4);
    }
    hanging.push(hostname);
    open(fifo, 'r', (openError, fd) => {
      if (!openError) close(fd, () => {});
      const error = Object.assign(new Error(`getaddrinfo EAI_AGAIN ${hostname}`), {
        code: 'EAI_AGAIN',
      });
      done(error, '', 4);
    });
  };
  /** A writer opened and closed: every lookup blocked on the FIFO goes on. */
  const answerAll = () => {
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // ENXIO: nobody is waiting.
    }
  };
  return { lookup, hanging, answerAll };
}

/** How long a gzip inflation (the reader's, on the same pool) takes now, at most `capMs`. */
async function inflationMs(capMs: number): Promise<number> {
  const started = performance.now();
  const page = gzipSync(Buffer.alloc(64 * 1024, 'a'));
  await Promise.race([gunzipAsync(page), new Promise((r) => setTimeout(r, capMs))]);
  return performance.now() - started;
}

describe('name lookups of destinations', () => {
  it('a destination whose name server never answers takes one thread of the pool, not the pool: the reader inflates pages, other destinations are delivered', async () => {
    const dns = silentNameServer();
    const post = undiciPoster(guardedLookup(dns.lookup));
    try {
      const started = performance.now();
      const attempts = Array.from({ length: 32 }, () =>
        post(`http://a.hang.test:${port}/`, { headers: {}, body: '{}', timeoutMs: 1500 }).then(
          () => 'answered',
          (e: Error) => e.name,
        ),
      );
      await new Promise((r) => setTimeout(r, 200));
      expect(dns.hanging).toEqual(['a.hang.test']);
      expect(await inflationMs(2000)).toBeLessThan(500);
      const ok = await post(`http://ok.test:${port}/`, {
        headers: {},
        body: '{}',
        timeoutMs: 1500,
      });
      expect(ok.status).toBe(200);
      // Each given up at the destination's timeout, not at undici's connect timeout (10 s).
      expect(new Set(await Promise.all(attempts))).toEqual(new Set(['TimeoutError']));
      expect(performance.now() - started).toBeLessThan(4000);
      // Answered (a failure): the next attempt looks the name up again.
      dns.answerAll();
      await new Promise((r) => setTimeout(r, 100));
      const again = post(`http://a.hang.test:${port}/`, {
        headers: {},
        body: '{}',
        timeoutMs: 300,
      });
      await expect(again).rejects.toThrow();
      expect(dns.hanging).toEqual(['a.hang.test', 'a.hang.test']);
    } finally {
      for (let i = 0; i < 5; i++) {
        dns.answerAll();
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });

  it('without the guard, the same attempts hold every thread of the pool: inflation waits', async () => {
    const dns = silentNameServer();
    const post = undiciPoster(dns.lookup);
    try {
      const attempts = Array.from({ length: 32 }, () =>
        post(`http://a.hang.test:${port}/`, { headers: {}, body: '{}', timeoutMs: 1500 }).catch(
          () => {},
        ),
      );
      await new Promise((r) => setTimeout(r, 200));
      expect(dns.hanging.length).toBeGreaterThanOrEqual(4);
      expect(await inflationMs(1000)).toBeGreaterThanOrEqual(1000);
      await Promise.all(attempts);
    } finally {
      for (let i = 0; i < 40; i++) {
        dns.answerAll();
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  });
});
