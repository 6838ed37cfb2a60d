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
