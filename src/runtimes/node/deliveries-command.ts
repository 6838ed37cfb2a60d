import { type Command, InvalidArgumentError } from 'commander';
import type { DeliveryRecord, DeliveryStatus, DeliveryStore } from '../../engine/deliveries.js';
import { integer } from './cli-options.js';
import { closeAll, connectionOptions, openSources, type ConnectionFlags } from './open-sources.js';

const STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'failed', 'skipped'];

function status(value: string): DeliveryStatus {
  if (!(STATUSES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`use one of ${STATUSES.join(', ')}.`);
  return value as DeliveryStatus;
}

/** Runs `work` on the database's delivery store (shared by every source: the first one's serves). */
async function withDeliveries<T>(
  flags: ConnectionFlags,
  readOnly: boolean,
  work: (store: DeliveryStore) => Promise<T>,
): Promise<T> {
  const syncs = await openSources(flags, { offline: true, readOnly });
  try {
    await syncs[0]!.migrate();
    return await work(syncs[0]!.store.deliveries());
  } finally {
    await closeAll(syncs);
  }
}

const time = (ms: number | null) => (ms === null || ms === 0 ? '-' : new Date(ms).toISOString());

function line(d: DeliveryRecord): string {
  const next = d.status === 'pending' && d.attempts > 0 ? `  next=${time(d.nextAttemptAt)}` : '';
  const replay = d.replay > 0 ? `  replay=${d.replay}` : '';
  return `${d.id}  ${d.status}  ${d.destination}  ${d.eventId}  ${d.type}  lane=${d.lane || '(none)'}  attempts=${d.attempts}${next}${replay}${d.lastError ? `  ${d.lastError}` : ''}`;
}

/** `authsync deliveries ...`: list, show, retry, skip, replay, enable. */
export function registerDeliveryCommands(program: Command): void {
  const deliveries = program
    .command('deliveries')
    .description("Deliveries to the application's destinations: their state and attempts.");

  connectionOptions(
    deliveries
      .command('list', { isDefault: true })
      .description('List deliveries, newest first')
      .option('--destination <name>', 'only this destination')
      .option('--status <status>', 'pending, delivered, failed or skipped', status)
      .option('--limit <n>', 'at most this many (default 100)', integer('--limit', 1, 100_000))
      .option('--json', 'machine-readable output')
      .argument('[unknown...]'),
  ).action(
    async (
      unknown: string[],
      flags: ConnectionFlags & {
        destination?: string;
        status?: DeliveryStatus;
        limit?: number;
        json?: boolean;
      },
      command: Command,
    ) => {
      if (unknown.length > 0)
        command.error(
          `error: unknown subcommand '${unknown[0]}' of deliveries: use list, show, retry, skip, replay or enable.`,
          { exitCode: 2 },
        );
      const rows = await withDeliveries(flags, true, (store) =>
        store.list({
          ...(flags.destination ? { destination: flags.destination } : {}),
          ...(flags.status ? { status: flags.status } : {}),
          limit: flags.limit ?? 100,
        }),
      );
      if (flags.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else if (rows.length === 0) process.stdout.write('no deliveries\n');
      else for (const d of rows) process.stdout.write(`${line(d)}\n`);
    },
  );

  connectionOptions(
    deliveries
      .command('show <id>')
      .description('One delivery and every attempt made')
      .option('--json', 'machine-readable output'),
  ).action(async (id: string, flags: ConnectionFlags & { json?: boolean }, command: Command) => {
    const n = deliveryId(id, command);
    const found = await withDeliveries(flags, true, (store) => store.get(n));
    if (!found) command.error(`error: no delivery ${n}`, { exitCode: 1 });
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(found, null, 2)}\n`);
      return;
    }
    process.stdout.write(`${line(found!.delivery)}\n`);
    for (const a of found!.attempts)
      process.stdout.write(
        `  attempt ${a.attempt}  ${time(a.at)}  ${a.statusCode ?? 'no answer'}  ${a.durationMs} ms${a.error ? `  ${a.error}` : ''}${a.response ? `  ${JSON.stringify(a.response)}` : ''}\n`,
      );
  });

  connectionOptions(
    deliveries
      .command('retry [id]')
      .description(
        'Send a failed (or waiting) delivery again now, or with --all-failed every failed one',
      )
      .option('--all-failed', 'every failed delivery'),
  ).action(
    async (
      id: string | undefined,
      flags: ConnectionFlags & { allFailed?: boolean },
      command: Command,
    ) => {
      if ((id === undefined) === !flags.allFailed)
        command.error('error: give a delivery id or --all-failed (one of them).', { exitCode: 2 });
      const ids = flags.allFailed ? ('all-failed' as const) : [deliveryId(id!, command)];
      const changed = await withDeliveries(flags, false, (store) => store.retry(ids, Date.now()));
      process.stdout.write(`${JSON.stringify({ retried: changed })}\n`);
      if (changed === 0 && !flags.allFailed)
        command.error(`error: delivery ${id} is not pending or failed`, { exitCode: 1 });
    },
  );

  connectionOptions(
    deliveries
      .command('skip <id>')
      .description('Give up on a pending or failed delivery: the ones behind it in its lane go on'),
  ).action(async (id: string, flags: ConnectionFlags, command: Command) => {
    const n = deliveryId(id, command);
    const changed = await withDeliveries(flags, false, (store) => store.skip(n, Date.now()));
    process.stdout.write(`${JSON.stringify({ skipped: changed })}\n`);
    if (changed === 0)
      command.error(`error: delivery ${n} is not pending or failed`, { exitCode: 1 });
  });

  connectionOptions(
    deliveries
      .command('replay')
      .description(
        'Send again the deliveries of events from a time or event id on (even delivered ones), marked as replays',
      )
      .requiredOption('--since <time|event_id>', 'an ISO-8601 time, or an event id')
      .option('--destination <name>', 'only this destination (default: all)'),
  ).action(async (flags: ConnectionFlags & { since: string; destination?: string }) => {
    const since = /^\d{4}-\d{2}-\d{2}T/.test(flags.since) ? Date.parse(flags.since) : NaN;
    const from = Number.isNaN(since) ? { sinceEventId: flags.since } : { sinceMs: since };
    const replayed = await withDeliveries(flags, false, (store) =>
      store.replay(from, flags.destination, Date.now()),
    );
    process.stdout.write(`${JSON.stringify({ replayed })}\n`);
  });

  connectionOptions(
    deliveries
      .command('enable <destination>')
      .description('Resume a disabled destination from where it stopped'),
  ).action(async (name: string, flags: ConnectionFlags) => {
    await withDeliveries(flags, false, (store) => store.setDisabled(name, null));
    process.stdout.write(`${JSON.stringify({ enabled: name })}\n`);
  });
}

function deliveryId(value: string, command: Command): number {
  const n = Number(value);
  if (!/^\d{1,15}$/.test(value) || n < 1)
    command.error(`error: ${JSON.stringify(value)} is not a delivery id (a whole number).`, {
      exitCode: 2,
    });
  return n;
}
