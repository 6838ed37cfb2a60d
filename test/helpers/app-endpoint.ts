import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

// 32 bytes, as Standard Webhooks secrets are: whsec_ + base64.
export const FORWARD_SECRET = `whsec_${Buffer.from('authsync forwarding test secret!').toString('base64')}`;
export const OTHER_SECRET = `whsec_${Buffer.from('some other application secret!!!').toString('base64')}`;

export interface Delivery {
  id: string;
  status: number;
  body: string;
  headers: IncomingHttpHeaders;
}

/**
 * The application's endpoint on loopback. It verifies each delivery with the standardwebhooks
 * library, as an application would, and answers `answer(id)` to verified ones (401 otherwise).
 */
export async function appEndpoint(answer: (eventId: string) => number = () => 200) {
  const deliveries: Delivery[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let status: number;
      try {
        new Webhook(FORWARD_SECRET).verify(body, req.headers as Record<string, string>);
        status = answer(String(req.headers['webhook-id']));
      } catch {
        status = 401;
      }
      deliveries.push({
        id: String(req.headers['webhook-id']),
        status,
        body,
        headers: req.headers,
      });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/authsync?token=t0ken`,
    deliveries,
    accepted: () => deliveries.filter((d) => d.status === 200).map((d) => d.id),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * Event ids grouped by lane, in the order given: deliveries ordered by lane keep each lane's
 * order, not the stream's across lanes. Lanes are read from the destination's delivery rows.
 */
export async function byLane(
  sync: {
    store: {
      deliveries(): { list(f: { limit: number }): Promise<{ eventId: string; lane: string }[]> };
    };
  },
  ids: readonly string[],
): Promise<Record<string, string[]>> {
  const rows = await sync.store.deliveries().list({ limit: 1_000_000 });
  return groupByLane(ids, new Map(rows.map((d) => [d.eventId, d.lane])));
}

/** `ids` grouped by their lanes (`?` where none is known), each group in the order given. */
export function groupByLane(
  ids: readonly string[],
  lanes: ReadonlyMap<string, string>,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const id of ids) (out[lanes.get(id) ?? '?'] ??= []).push(id);
  return out;
}
