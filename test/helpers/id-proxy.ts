import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type IdShape = 'uuid' | 'numeric' | 'evt';

/**
 * Another provider's event ids for the same stream: each `event_<ULID>` becomes an id of
 * `shape`, the same for every read, that does not sort in stream order (a UUID; a number of
 * varying length, compared as text; `evt_` and the ULID reversed).
 */
function opaqueId(id: string, shape: IdShape): string {
  const hash = createHash('sha256').update(id).digest();
  if (shape === 'uuid') {
    const h = hash.toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
  if (shape === 'numeric') return String(hash.readBigUInt64BE(0) >> BigInt(hash[8]! % 40));
  return `evt_${[...id.slice('event_'.length)].reverse().join('')}`;
}

/**
 * A proxy in front of an emulator that renames every event id on the wire (`GET /events`
 * pages, `after=`), both ways. Everything else passes through unchanged.
 */
export async function idProxy(
  upstream: string,
  shape: IdShape,
): Promise<{ url: string; toOpaque: (id: string) => string; close: () => Promise<void> }> {
  const back = new Map<string, string>();
  const toOpaque = (id: string) => {
    const opaque = opaqueId(id, shape);
    back.set(opaque, id);
    return opaque;
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url!, upstream);
      const after = url.searchParams.get('after');
      if (url.pathname === '/events' && after) {
        const original = back.get(after);
        if (!original) {
          res.writeHead(400).end(JSON.stringify({ message: `unknown after ${after}` }));
          return;
        }
        url.searchParams.set('after', original);
      }
      const response = await fetch(url, {
        headers: { authorization: req.headers.authorization ?? '' },
      });
      let body = await response.text();
      if (url.pathname === '/events' && response.ok) {
        const page = JSON.parse(body) as { data: { id: string }[] };
        for (const e of page.data) e.id = toOpaque(e.id);
        body = JSON.stringify(page);
      }
      res.writeHead(response.status, { 'content-type': 'application/json' }).end(body);
    })().catch((error: Error) => res.writeHead(502).end(error.message));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    toOpaque,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
