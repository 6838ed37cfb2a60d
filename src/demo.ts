import { startEmulator } from './emulator/index.js';

/**
 * `authsync demo`: the no-account path. Until the sync engine lands, it builds a generated
 * WorkOS history in the emulator, reads the whole event stream back over HTTP as a client
 * would (cursor paging, limit 100), and prints what it found.
 */
export async function runDemo(flags: {
  events: number;
  seed: string;
  port: number;
  serve?: boolean;
}): Promise<void> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const started = performance.now();
  const running = await startEmulator({ seed: flags.seed, events: flags.events, port: flags.port });
  const readyMs = performance.now() - started;
  log(
    `emulator ready at ${running.url} in ${Math.round(readyMs)} ms with ${flags.events.toLocaleString()} events (seed ${flags.seed})`,
  );

  const counts = new Map<string, number>();
  let after: string | null = null;
  let pages = 0;
  let total = 0;
  const readStarted = performance.now();
  for (;;) {
    const url = new URL('/events', running.url);
    url.searchParams.set('order', 'asc');
    url.searchParams.set('limit', '100');
    if (after) url.searchParams.set('after', after);
    const response = await fetch(url, { headers: { authorization: `Bearer ${running.apiKey}` } });
    if (!response.ok)
      throw new Error(`GET /events answered ${response.status}: ${await response.text()}`);
    const page = (await response.json()) as {
      data: { id: string; event: string }[];
      list_metadata: { after: string | null };
    };
    pages++;
    for (const event of page.data) counts.set(event.event, (counts.get(event.event) ?? 0) + 1);
    total += page.data.length;
    const last = page.data[page.data.length - 1];
    if (!page.list_metadata.after || !last) break;
    after = last.id;
    if (process.stdout.isTTY && pages % 20 === 0)
      process.stdout.write(`\rread ${total.toLocaleString()} events...`);
  }
  const readMs = performance.now() - readStarted;
  if (process.stdout.isTTY) process.stdout.write('\r');
  log(
    `read ${total.toLocaleString()} events in ${pages} pages in ${Math.round(readMs)} ms (${Math.round(total / (readMs / 1000)).toLocaleString()} events/s)`,
  );
  log('');
  log('events by type:');
  for (const [type, n] of [...counts].sort((a, b) => b[1] - a[1]))
    log(`  ${String(n).padStart(8)}  ${type}`);
  log('');
  log('objects held by the emulator:');
  for (const [name, n] of Object.entries(running.emulator.status().objects))
    log(`  ${String(n).padStart(8)}  ${name}`);
  if (total !== flags.events) throw new Error(`expected ${flags.events} events, read ${total}`);

  if (flags.serve) {
    log('');
    log(
      `serving: curl -H 'Authorization: Bearer ${running.apiKey}' '${running.url}/events?order=asc&limit=5'`,
    );
    const stop = () => void running.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return;
  }
  await running.close();
}
