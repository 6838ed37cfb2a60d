import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_FAULTS, startEmulator, type RunningEmulator } from '../../src/emulator/index.js';

let emu: RunningEmulator;
const events = () =>
  fetch(`${emu.url}/events?order=asc&limit=100`, {
    headers: { authorization: `Bearer ${emu.apiKey}` },
  });
const setFaults = (faults: object) =>
  fetch(`${emu.url}/_emulator/faults`, { method: 'PUT', body: JSON.stringify(faults) });
const NONE = NO_FAULTS;

beforeAll(async () => {
  emu = await startEmulator({ seed: 'faults', events: 300 });
});
afterAll(() => emu.close());

describe('faults, switched at runtime through /_emulator/faults', () => {
  it('adds latency to API requests', async () => {
    await setFaults({ ...NONE, latencyMs: 150 });
    const started = performance.now();
    expect((await events()).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });

  it('answers a fraction of requests with 5xx and a JSON body', async () => {
    await setFaults({ ...NONE, errorRate: 1 });
    const r = await events();
    expect([500, 502, 503]).toContain(r.status);
    expect(((await r.json()) as { message: string }).message).toMatch(/fault/);
    await setFaults({ ...NONE, errorRate: 0.5 });
    const statuses = await Promise.all(
      Array.from({ length: 40 }, async () => (await events()).status),
    );
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(5);
    expect(statuses.filter((s) => s >= 500).length).toBeGreaterThan(5);
  });

  it('resets connections', async () => {
    await setFaults({ ...NONE, resetRate: 1 });
    const error = await events().catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error & { cause?: { code?: string } }).cause?.code)).toMatch(
      /ECONNRESET|UND_ERR_SOCKET/,
    );
  });

  it('truncates bodies: the client sees a cut-off answer, never a complete one', async () => {
    await setFaults({ ...NONE, truncateRate: 1 });
    const outcome = await events()
      .then((r) => r.text())
      .then((text) => ({ text }))
      .catch((e: Error) => ({ error: e }));
    if ('text' in outcome) expect(() => JSON.parse(outcome.text)).toThrow();
    else expect(outcome.error).toBeInstanceOf(Error);
  });

  it('trickles slow bodies', async () => {
    await setFaults({ ...NONE, slowBodyMs: 300 });
    const started = performance.now();
    const r = await events();
    const body = (await r.json()) as { data: unknown[] };
    expect(body.data).toHaveLength(100);
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
  });

  it("enforces a rate limit with 429 and Retry-After, like WorkOS's 6,000 per minute", async () => {
    await setFaults({ ...NONE, rateLimit: { requests: 5, windowMs: 60_000 } });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 7; i++) {
      const r = await events();
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.headers.get('retry-after');
      await r.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
  });

  it('never applies faults to /_emulator/, and rejects invalid settings with 422', async () => {
    await setFaults({ ...NONE, errorRate: 1, resetRate: 1 });
    expect((await fetch(`${emu.url}/_emulator/status`)).status).toBe(200);
    const bad = await setFaults({ errorRate: 2 });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { message: string }).message).toContain('errorRate');
    await setFaults(NONE);
    expect((await events()).status).toBe(200);
  });
});
