import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { serveFor } from '../helpers/serve-env.js';

/** A raw connection to the service, and when (ms after `since`) the server closed it. */
function open(
  url: string,
  since: number,
): { socket: Socket; closedAt: Promise<number>; data: () => string } {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString()));
  socket.on('error', () => {});
  const closedAt = new Promise<number>((r) => socket.on('close', () => r(Date.now() - since)));
  return { socket, closedAt, data: () => received };
}

describe('serve and slow clients', () => {
  it('drops clients that drip headers or stall a body; idle keep-alive connections stay usable', async () => {
    const emu = await startEmulator({ seed: 3, events: 20 });
    const { service } = await serveFor(emu, {}, { headersTimeoutMs: 1500, requestTimeoutMs: 2500 });
    const timers: NodeJS.Timeout[] = [];
    try {
      const started = Date.now();
      // 20 clients sending their headers a byte every 200 ms, never finishing.
      const drippers = Array.from({ length: 20 }, () => {
        const c = open(service.url, started);
        const text = 'POST /webhooks/workos HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(500);
        let i = 0;
        timers.push(
          setInterval(() => c.socket.writable && c.socket.write(text[i++ % text.length]!), 200),
        );
        return c;
      });
      // A client that sends its headers and 10 bytes of a 1,000-byte body, then stalls.
      const staller = open(service.url, started);
      staller.socket.write(
        'POST /webhooks/workos HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"id":"ev',
      );
      // A keep-alive client: one request, idle past both limits, then another on the same socket.
      const idle = open(service.url, started);
      idle.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');

      const dripped = await Promise.all(drippers.map((d) => d.closedAt));
      expect(Math.max(...dripped), 'every dripping client dropped').toBeLessThan(5000);
      expect(await staller.closedAt, 'the stalled body dropped').toBeLessThan(6000);
      expect(staller.data()).toMatch(/^HTTP\/1\.1 408/);

      await new Promise((r) => setTimeout(r, 500));
      expect(idle.socket.destroyed, 'idle keep-alive connection kept').toBe(false);
      idle.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      await new Promise((r) => setTimeout(r, 300));
      expect(idle.data().match(/HTTP\/1\.1 200/g)?.length).toBe(2);
      idle.socket.destroy();
    } finally {
      for (const t of timers) clearInterval(t);
      await service.stop();
      await emu.close();
    }
  }, 30_000);
});
