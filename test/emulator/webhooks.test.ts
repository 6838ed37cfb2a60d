import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';

interface Received {
  body: string;
  header: string;
}

/** A receiver that answers with the statuses given in turn (then 200), recording every delivery. */
async function receiver(
  statuses: number[] = [],
): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        body: Buffer.concat(chunks).toString('utf8'),
        header: String(req.headers['workos-signature']),
      });
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, received, server };
}

/** Verifies as wire.md says: HMAC-SHA256 over `t.body`, t in milliseconds. */
function verify(body: string, header: string, secret: string): boolean {
  const match = /^t=(\d+), v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  const [, t, v1] = match;
  if (Math.abs(Date.now() - Number(t)) > 180_000) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(v1!, 'hex'));
}

const open: { emu?: RunningEmulator; server?: Server }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.emu?.close();
    o.server?.close();
  }
});

describe('webhook deliveries', () => {
  it('POSTs each new event as compact JSON, signed over the exact bytes with t in ms', async () => {
    const r = await receiver();
    const emu = await startEmulator({
      seed: 'wh',
      events: 100,
      webhooks: { url: r.url, secret: 'sekrit', concurrency: 1 },
    });
    open.push({ emu, server: r.server });
    emu.emulator.generateNow(30);
    await emu.emulator.webhooks.idle();
    // History is the past: only events made while serving are delivered.
    expect(r.received).toHaveLength(30);
    for (const d of r.received) {
      expect(verify(d.body, d.header, 'sekrit')).toBe(true);
      expect(verify(d.body, d.header, 'other')).toBe(false);
      expect(d.body).toBe(JSON.stringify(JSON.parse(d.body)));
    }
    const ids = r.received.map((d) => JSON.parse(d.body).id);
    const stream = Array.from({ length: 30 }, (_, i) => emu.emulator.world.events.at(100 + i)!.id);
    expect(ids).toEqual(stream);
  });

  it('retries non-2xx answers with backoff until delivered', async () => {
    const r = await receiver([500, 503, 404]);
    const emu = await startEmulator({
      seed: 'wh2',
      webhooks: { url: r.url, secret: 's', retryBaseMs: 20, concurrency: 1 },
    });
    open.push({ emu, server: r.server });
    emu.emulator.generateNow(1);
    await emu.emulator.webhooks.idle();
    expect(r.received).toHaveLength(4);
    expect(new Set(r.received.map((d) => JSON.parse(d.body).id)).size).toBe(1);
    expect(emu.emulator.webhooks.stats).toMatchObject({
      delivered: 1,
      failedAttempts: 3,
      gaveUp: 0,
    });
  });

  it('gives up after maxAttempts', async () => {
    const r = await receiver([500, 500, 500, 500]);
    const emu = await startEmulator({
      seed: 'wh3',
      webhooks: { url: r.url, secret: 's', retryBaseMs: 5, maxAttempts: 3 },
    });
    open.push({ emu, server: r.server });
    emu.emulator.generateNow(1);
    await emu.emulator.webhooks.idle();
    expect(r.received).toHaveLength(3);
    expect(emu.emulator.webhooks.stats.gaveUp).toBe(1);
  });

  it('can deliver out of order and twice, for testing receivers', async () => {
    const r = await receiver();
    const emu = await startEmulator({
      seed: 'wh4',
      webhooks: { url: r.url, secret: 's', outOfOrder: true, duplicateRate: 0.3, concurrency: 1 },
    });
    open.push({ emu, server: r.server });
    emu.emulator.generateNow(200);
    await emu.emulator.webhooks.idle();
    const ids = r.received.map((d) => JSON.parse(d.body).id as string);
    const unique = new Set(ids);
    expect(unique.size).toBe(200);
    expect(ids.length).toBeGreaterThan(220);
    const firsts = [...unique];
    expect(firsts).not.toEqual([...firsts].sort());
    expect(r.received.every((d) => verify(d.body, d.header, 's'))).toBe(true);
  });

  it('is configurable at runtime, and never reveals the secret', async () => {
    const r = await receiver();
    const emu = await startEmulator({ seed: 'wh5' });
    open.push({ emu, server: r.server });
    const put = await fetch(`${emu.url}/_emulator/webhooks`, {
      method: 'PUT',
      body: JSON.stringify({ url: r.url, secret: 'runtime-secret' }),
    });
    const described = await put.json();
    expect(described).toMatchObject({ url: r.url, secretSet: true });
    expect(JSON.stringify(described)).not.toContain('runtime-secret');
    await fetch(`${emu.url}/_emulator/generate`, {
      method: 'POST',
      body: JSON.stringify({ events: 5 }),
    });
    await emu.emulator.webhooks.idle();
    expect(r.received).toHaveLength(5);
    const bad = await fetch(`${emu.url}/_emulator/webhooks`, {
      method: 'PUT',
      body: JSON.stringify({ url: 'not a url' }),
    });
    expect(bad.status).toBe(422);
  });
});
