import { rmSync } from 'node:fs';
import { createSync } from './create-sync.js';
import { startAuth0Emulator } from './emulator/auth0/server.js';
import { startEmulator } from './emulator/index.js';
import { progressLine } from './runtimes/node/progress.js';

/**
 * `authsync demo`: the no-account path. Starts the emulator (WorkOS's, or with `--provider
 * auth0` Auth0's) with a generated history, syncs it into a SQLite file (first import, then the
 * events that follow), lets the emulator make more changes and syncs those (for Auth0, then
 * reconciles what its logs do not show whole), then prints the status.
 */
export async function runDemo(flags: {
  events: number;
  seed: string;
  databaseUrl: string;
  live: number;
  provider?: 'workos' | 'auth0';
}): Promise<void> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const started = performance.now();
  const auth0 = flags.provider === 'auth0';
  const emu = auth0
    ? await startAuth0Emulator({ seed: flags.seed, changes: flags.events })
    : await startEmulator({ seed: flags.seed, events: flags.events });
  log(
    `${auth0 ? 'Auth0' : 'WorkOS'} emulator ready at ${emu.url} in ${Math.round(performance.now() - started)} ms: ${flags.events.toLocaleString('en-US')} ${auth0 ? 'changes' : 'events'} of history (seed ${flags.seed})`,
  );
  for (const suffix of ['', '-wal', '-shm'])
    rmSync(`${flags.databaseUrl}${suffix}`, { force: true });
  const progress = progressLine(process.stdout);
  const sync = createSync({
    ...('apiKey' in emu
      ? { apiUrl: emu.url, apiKey: emu.apiKey }
      : {
          provider: 'auth0' as const,
          auth0: {
            domain: emu.url,
            clientId: emu.clientId,
            clientSecret: emu.clientSecret,
            rateLimit: { requests: 100_000, windowMs: 60_000 },
          },
        }),
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
    if (auth0) {
      const report = await sync.reconcile();
      log(
        `reconciled with the state endpoints (signups, logins, SCIM and imports write no Management API log): ${report.totals.missing} rows added, ${report.totals.stale} updated`,
      );
    }
    const status = await sync.status();
    log('');
    log(
      `database ${flags.databaseUrl}: cursor ${status.cursor.after}, dead letters ${status.deadLetters}`,
    );
    const prefix = auth0 ? 'auth0_' : 'workos_';
    for (const [table, n] of Object.entries(status.rows))
      if (table.startsWith(prefix))
        log(`  ${table.padEnd(34)}${n.toLocaleString('en-US').padStart(10)}`);
    log('');
    log(
      auth0
        ? `explore it: sqlite3 ${flags.databaseUrl} 'SELECT email, name FROM auth0_users LIMIT 5'`
        : `explore it: sqlite3 ${flags.databaseUrl} 'SELECT email, first_name FROM workos_users LIMIT 5'`,
    );
    log(`or: npx authsync status --database-url ${flags.databaseUrl}`);
  } finally {
    await sync.close();
    await emu.close();
  }
}
