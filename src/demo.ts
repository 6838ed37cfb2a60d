import { rmSync } from 'node:fs';
import { createSync } from './create-sync.js';
import { startEmulator } from './emulator/index.js';
import { progressLine } from './runtimes/node/progress.js';

/**
 * `authsync demo`: the no-account path. Starts the emulator with a generated WorkOS history,
 * syncs it into a SQLite file (first import, then the events that follow), lets the emulator
 * make more changes and syncs those, then prints the status.
 */
export async function runDemo(flags: {
  events: number;
  seed: string;
  databaseUrl: string;
  live: number;
}): Promise<void> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const started = performance.now();
  const emu = await startEmulator({ seed: flags.seed, events: flags.events });
  log(
    `emulator ready at ${emu.url} in ${Math.round(performance.now() - started)} ms: ${flags.events.toLocaleString('en-US')} events of history (seed ${flags.seed})`,
  );
  for (const suffix of ['', '-wal', '-shm'])
    rmSync(`${flags.databaseUrl}${suffix}`, { force: true });
  const progress = progressLine(process.stdout);
  const sync = createSync({
    apiUrl: emu.url,
    apiKey: emu.apiKey,
    databaseUrl: flags.databaseUrl,
    settleMs: 0,
    env: {},
    onProgress: progress.update,
  });
  try {
    let t = performance.now();
    const first = await sync.runOnce();
    progress.done();
    log(
      `first import: ${first.imported.toLocaleString('en-US')} objects from the list endpoints, then ${first.applied} events since, in ${Math.round(performance.now() - t)} ms`,
    );
    emu.emulator.generateNow(flags.live);
    t = performance.now();
    const next = await sync.runOnce();
    progress.done();
    const seconds = (performance.now() - t) / 1000;
    log(
      `followed ${next.applied.toLocaleString('en-US')} new events in ${Math.round(seconds * 1000)} ms (${Math.round(next.applied / seconds).toLocaleString('en-US')} events/s)`,
    );
    const status = await sync.status();
    log('');
    log(
      `database ${flags.databaseUrl}: cursor ${status.cursor.after}, dead letters ${status.deadLetters}`,
    );
    for (const [table, n] of Object.entries(status.rows))
      log(`  ${table.padEnd(34)}${n.toLocaleString('en-US').padStart(10)}`);
    log('');
    log(
      `explore it: sqlite3 ${flags.databaseUrl} 'SELECT email, first_name FROM workos_users LIMIT 5'`,
    );
    log(`or: npx authsync status --database-url ${flags.databaseUrl}`);
  } finally {
    await sync.close();
    await emu.close();
  }
}
