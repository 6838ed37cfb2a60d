import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_RECONCILE_EVERY_S,
  DEFAULT_WEBHOOK_GRACE_MS,
  logLevel,
} from '../../config.js';
import type { ReconcileReport, Sync } from '../../create-sync.js';
import { progressText, type StatusReport } from '../../status-report.js';
import { DEFAULT_TOLERANCE_MS } from '../../providers/workos/webhook-verifier.js';
import { stderrLogger } from './logger.js';
import { integer } from './cli-options.js';
import { progressLine } from './progress.js';
import { registerDeliveryCommands } from './deliveries-command.js';
import { registerDoctorCommand } from './doctor-command.js';
import {
  closeAll,
  connectionOptions,
  openSource,
  openSources,
  perSource,
  type ConnectionFlags,
} from './open-sources.js';

/** Settings read only from the environment (secrets do not belong in flags). */
const SECRETS_HELP = `
Environment:
  WORKOS_WEBHOOK_SECRET      verify webhook deliveries (comma-separated while rotating)
  AUTHSYNC_FORWARD_URL       forward each applied event there, signed (Standard Webhooks),
  AUTHSYNC_FORWARD_SECRET    with this whsec_ secret
  AUTHSYNC_FORWARD_EVENTS    only these types (comma-separated; prefixes like user.*)
  AUTHSYNC_DESTINATIONS      more destinations, as JSON (see docs/delivery.md); or
  AUTHSYNC_DESTINATIONS_FILE a file holding that JSON
  AUTHSYNC_STATUS_PASSWORD   serve: opens GET /status (HTTP Basic, user authsync)`;

/**
 * `--env-file`: its settings join the environment before the command runs (one already in the
 * environment keeps its value, as with `node --env-file`). Node 20 and 24 see the flag after the
 * script too, but only check that the file exists (ending with exit code 9 and "not found" when
 * it does not); they load nothing from it.
 */
function loadEnvFile(command: Command): void {
  const file = (command.opts() as { envFile?: string }).envFile;
  if (!file) return;
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    command.error(`error: --env-file ${file} cannot be read: ${(error as Error).message}`, {
      exitCode: 2,
    });
  }
  for (const [name, value] of Object.entries(parseEnv(text)))
    if (process.env[name] === undefined) process.env[name] = value;
}

export function registerSyncCommands(program: Command): void {
  program.hook('preAction', (_program, command) => loadEnvFile(command));
  connectionOptions(
    program
      .command('serve')
      .description(
        'Run the continuous sync with an HTTP server: POST /webhooks/workos, /healthz, /readyz, /metrics, /status.',
      )
      .addHelpText('after', SECRETS_HELP)
      .addOption(
        new Option('--port <port>', 'port to listen on (0: any free port)')
          .env('PORT')
          .default(8080)
          .argParser(integer('--port', 0, 65_535)),
      )
      .option('--host <address>', 'address to listen on', '0.0.0.0')
      .addOption(
        new Option(
          '--metrics-port <port>',
          'serve /metrics on this port (same address) instead of the main one',
        )
          .env('AUTHSYNC_METRICS_PORT')
          .argParser(integer('--metrics-port', 0, 65_535)),
      )
      .addOption(
        new Option(
          '--metrics-password',
          'ask for AUTHSYNC_STATUS_PASSWORD on /metrics (HTTP Basic, user authsync)',
        ).env('AUTHSYNC_METRICS_PASSWORD'),
      )
      .addOption(
        new Option('--max-body-bytes <n>', 'refuse larger webhook bodies with 413')
          .default(DEFAULT_MAX_BODY_BYTES)
          .argParser(integer('--max-body-bytes', 1, 100_000_000)),
      )
      .addOption(
        new Option(
          '--webhook-tolerance-ms <ms>',
          'accept webhook signatures at most this old or this far ahead',
        )
          .default(DEFAULT_TOLERANCE_MS)
          .argParser(integer('--webhook-tolerance-ms', 0, 86_400_000)),
      )
      .addOption(
        new Option(
          '--grace-ms <ms>',
          'apply a webhook-delivered event from the inbox if the Events API has not shown it after this long',
        )
          .default(DEFAULT_WEBHOOK_GRACE_MS)
          .argParser(integer('--grace-ms', 0, 7 * 86_400_000)),
      )
      .addOption(
        new Option(
          '--reconcile-every <seconds>',
          'reconcile with the list endpoints this often (0: never)',
        )
          .default(DEFAULT_RECONCILE_EVERY_S)
          .argParser(integer('--reconcile-every', 0, 31_536_000)),
      )
      .addOption(
        new Option('--settle-ms <ms>', 'treat events younger than this as not yet final').argParser(
          integer('--settle-ms', 0, 3_600_000),
        ),
      )
      .option(
        '--distribute',
        'PostgreSQL: spread applying over every process on the database (pg-boss jobs per organization, in order); also AUTHSYNC_DISTRIBUTE=1',
      ),
  ).action(
    async (
      flags: ConnectionFlags & {
        distribute?: boolean;
        port: number;
        host: string;
        metricsPort?: number;
        metricsPassword?: boolean;
        maxBodyBytes: number;
        webhookToleranceMs: number;
        graceMs: number;
        reconcileEvery: number;
        settleMs?: number;
      },
    ) => {
      const [{ ServeMetrics }, { startService }] = await Promise.all([
        import('./metrics.js'),
        import('./serve.js'),
      ]);
      const statusPassword = process.env.AUTHSYNC_STATUS_PASSWORD || undefined;
      if (flags.metricsPassword && !statusPassword)
        throw new InvalidArgumentError(
          '--metrics-password (AUTHSYNC_METRICS_PASSWORD) asks for AUTHSYNC_STATUS_PASSWORD, which is not set.',
        );
      const logger = stderrLogger(logLevel(process.env.LOG_LEVEL));
      const metrics = new ServeMetrics();
      const syncs = await openSources(
        flags,
        { webhookToleranceMs: flags.webhookToleranceMs, webhookGraceMs: flags.graceMs },
        (sourceId) => ({
          onApplied: metrics.onAppliedFor(sourceId),
          onDeliveryAttempt: metrics.onDeliveryAttempt,
        }),
      );
      for (const sync of syncs)
        if (!sync.acceptsWebhooks)
          logger.warn(
            `${sync.webhookSetting} is not set: webhook deliveries to /webhooks/${sync.sourceId} are refused (503)`,
          );
      const service = await startService({
        syncs,
        metrics,
        logger,
        port: flags.port,
        hostname: flags.host,
        maxBodyBytes: flags.maxBodyBytes,
        reconcileEveryMs: flags.reconcileEvery * 1000,
        statusPassword,
        metricsPort: flags.metricsPort,
        metricsPassword: flags.metricsPassword,
      });
      logger.info('listening', {
        url: service.url,
        ...(service.metricsUrl ? { metrics: service.metricsUrl } : {}),
      });
      const stop = () => {
        logger.info('stopping: finishing requests and the transaction in flight');
        void service.stop().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await service.done;
      } catch (error) {
        await service.stop();
        throw error;
      }
    },
  );

  connectionOptions(
    program
      .command('reconcile')
      .description(
        'Compare the tables with the WorkOS list endpoints and repair them; apply webhook-only events.',
      )
      .option('--json', 'machine-readable report'),
  ).action(async (flags: ConnectionFlags & { json?: boolean }) => {
    const progress = progressLine();
    const syncs = await openSources(flags);
    try {
      const reports = [];
      for (const sync of syncs) {
        const startedAtMs = Date.now();
        reports.push(
          await sync.reconcile({
            onProgress: (count) =>
              progress.update({ phase: 'reconcile', count, startedAtMs }, sync.sourceId),
          }),
        );
      }
      progress.done();
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(perSource(syncs, reports), null, 2)}\n`);
        return;
      }
      reports.forEach((report, i) => {
        if (syncs.length > 1) process.stdout.write(`source ${syncs[i]!.sourceId}\n`);
        printReconcileReport(report);
      });
    } finally {
      progress.done();
      await closeAll(syncs);
    }
  });

  connectionOptions(
    program.command('migrate').description('Create or upgrade the tables (sync does this itself).'),
  ).action(async (flags: ConnectionFlags) => {
    const syncs = await openSources(flags, { offline: true });
    try {
      for (const sync of syncs) await sync.migrate();
    } finally {
      await closeAll(syncs);
    }
    process.stdout.write('migrations applied\n');
  });

  connectionOptions(
    program
      .command('sync')
      .description('Read the WorkOS Events API into the database. Keeps following unless --once.')
      .addHelpText('after', SECRETS_HELP)
      .option('--once', 'drain to the head of the stream, then exit')
      .addOption(
        new Option('--settle-ms <ms>', 'treat events younger than this as not yet final').argParser(
          integer('--settle-ms', 0, 3_600_000),
        ),
      )
      .option(
        '--no-import',
        'on a fresh database, read the event stream from its start instead of importing current state',
      )
      .option(
        '--distribute',
        'PostgreSQL: spread applying over every process on the database (pg-boss jobs per organization, in order); also AUTHSYNC_DISTRIBUTE=1',
      ),
  ).action(
    async (
      flags: ConnectionFlags & {
        once?: boolean;
        settleMs?: number;
        import?: boolean;
        distribute?: boolean;
      },
    ) => {
      const progress = progressLine();
      const syncs = await openSources(flags, {}, (sourceId) => ({
        onProgress: (p) => progress.update(p, sourceId),
      }));
      for (const sync of syncs) progress.watch(sync.rateLimitWaits, sync.sourceId);
      const controller = new AbortController();
      let stoppedBySignal = false;
      const stop = () => {
        stoppedBySignal = true;
        controller.abort(new Error('stopped'));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      // A source that stops on an error it cannot get past stops the others: the process exits
      // non-zero, as with one source, and its supervisor sees it.
      const each = <T>(work: (sync: Sync) => Promise<T>) =>
        Promise.all(
          syncs.map((sync) =>
            work(sync).catch((error: unknown) => {
              controller.abort(error);
              throw error;
            }),
          ),
        );
      try {
        if (flags.once) {
          const results = await each((sync) => sync.runOnce(controller.signal)).catch(
            (error: unknown) => {
              // Stopped by a signal: a clean stop after the transaction in flight, as without
              // --once (exit 0); the next run continues from the committed cursor.
              if (stoppedBySignal) return null;
              throw error;
            },
          );
          if (!results) {
            progress.done();
            process.stderr.write('stopped; the next run continues from the committed cursor\n');
            return;
          }
          progress.done();
          for (const line of syncs.length === 1
            ? results
            : (perSource(syncs, results) as unknown[]))
            process.stdout.write(`${JSON.stringify(line)}\n`);
        } else {
          await each((sync) => sync.run(controller.signal));
        }
      } finally {
        progress.done();
        await closeAll(syncs);
      }
    },
  );

  connectionOptions(
    program
      .command('status')
      .description('Cursor, lag, rows per table, dead letters, last error.')
      .option('--json', 'machine-readable output'),
  ).action(async (flags: ConnectionFlags & { json?: boolean }) => {
    const syncs = await openSources(flags, { offline: true, readOnly: true });
    const reports = [];
    try {
      for (const sync of syncs) {
        await sync.migrate();
        reports.push(await sync.status());
      }
    } finally {
      await closeAll(syncs);
    }
    if (flags.json) {
      process.stdout.write(
        `${JSON.stringify(syncs.length === 1 ? reports[0] : reports, null, 2)}\n`,
      );
      return;
    }
    reports.forEach((report, i) => {
      if (i > 0) process.stdout.write('\n');
      printStatus(report);
    });
  });

  connectionOptions(
    program
      .command('reimport')
      .description(
        "Import the source's current state afresh, follow from before it began, then reconcile: the way back when the cursor fell out of the provider's retention.",
      ),
  ).action(async (flags: ConnectionFlags) => {
    const progress = progressLine();
    const sync = await openSource(flags, { onProgress: (p) => progress.update(p) });
    progress.watch(sync.rateLimitWaits);
    try {
      const result = await sync.reimport();
      progress.done();
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } finally {
      progress.done();
      await sync.close();
    }
  });

  connectionOptions(
    program
      .command('replay')
      .description(
        'Re-read events from a time or event id and re-apply them. Nothing is delivered.',
      )
      .requiredOption('--since <time|event_id>', 'an ISO-8601 time or an event id'),
  ).action(async (flags: ConnectionFlags & { since: string }) => {
    const progress = progressLine();
    const sync = await openSource(flags, { onProgress: (p) => progress.update(p) });
    progress.watch(sync.rateLimitWaits);
    try {
      const result = await sync.replay(flags.since);
      progress.done();
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } finally {
      await sync.close();
    }
  });

  const deadLetters = program
    .command('dead-letters')
    .description('Events a projection could not apply, and the lanes they block.');
  connectionOptions(
    deadLetters
      .command('list', { isDefault: true })
      .description('List dead letters')
      .option('--json', 'machine-readable output')
      // As the default, `list` is handed any word `dead-letters` does not know.
      .argument('[unknown...]'),
  ).action(async (unknown: string[], flags: ConnectionFlags & { json?: boolean }, command) => {
    if (unknown.length > 0)
      (command as Command).error(
        `error: unknown subcommand '${unknown[0]}' of dead-letters: use list, retry or skip.`,
        { exitCode: 2 },
      );
    const syncs = await openSources(flags, { offline: true, readOnly: true });
    const letters = [];
    try {
      for (const sync of syncs) {
        await sync.migrate();
        for (const d of await sync.deadLetters()) letters.push({ source: sync.sourceId, ...d });
      }
    } finally {
      await closeAll(syncs);
    }
    if (flags.json) process.stdout.write(`${JSON.stringify(letters, null, 2)}\n`);
    else if (letters.length === 0) process.stdout.write('no dead letters\n');
    else
      for (const d of letters)
        process.stdout.write(
          `${syncs.length > 1 ? `${d.source}  ` : ''}${d.eventId}  ${d.type}  lane=${d.lane || '(none)'}  ${d.failedAt}  ${d.error}\n`,
        );
  });
  registerDeliveryCommands(program);
  registerDoctorCommand(program);
  for (const action of ['retry', 'skip'] as const) {
    connectionOptions(
      deadLetters
        .command(`${action} <eventId>`)
        .description(
          action === 'retry'
            ? 'Apply the event again, then the events waiting behind it'
            : 'Give up on the event, then apply the events waiting behind it',
        ),
    ).action(async (eventId: string, flags: ConnectionFlags) => {
      const sync = await openSource(flags, { offline: true });
      try {
        await sync.migrate();
        const result =
          action === 'retry'
            ? await sync.retryDeadLetter(eventId)
            : await sync.skipDeadLetter(eventId);
        process.stdout.write(`${JSON.stringify(result)}\n`);
      } finally {
        await sync.close();
      }
    });
  }
}

function printReconcileReport(report: ReconcileReport): void {
  const t = report.totals;
  process.stdout.write(
    `checked ${report.objects} objects in ${(report.durationMs / 1000).toFixed(1)} s: ` +
      `${t.missing} missing, ${t.stale} stale, ${t.deleted} deleted rows repaired\n`,
  );
  for (const [table, r] of Object.entries(report.tables))
    process.stdout.write(
      `  ${table.padEnd(34)} missing ${r.missing}  stale ${r.stale}  deleted ${r.deleted}\n`,
    );
  const e = report.events;
  process.stdout.write(
    `events: ${e.appliedFromWebhooks} applied from webhooks the API had not shown; ` +
      `in the window ${e.webhookOnly} seen only by webhook, ${e.apiOnly} only by the API\n`,
  );
}

function printStatus(report: StatusReport): void {
  const { lagSeconds, processes, laneBacklog } = report;
  const line = (label: string, value: string) =>
    process.stdout.write(`${label.padEnd(16)}${value}\n`);
  line('source', report.source);
  if (report.progress) line('progress', progressText(report.progress));
  line(
    'cursor',
    report.cursor.after ??
      (report.cursor.rangeStart ? `from ${report.cursor.rangeStart}` : 'not started'),
  );
  line(
    'last event',
    report.lastEventAt ? `${report.lastEventAt} (lag ${lagSeconds!.toFixed(1)} s)` : 'none yet',
  );
  line('last success', report.lastSuccessAt ?? 'never');
  const r = report.retention;
  if (r.cursorAgeSeconds !== null)
    line(
      'cursor age',
      `${(r.cursorAgeSeconds / 3600).toFixed(1)} h (events kept ${r.days} days)${r.atRisk ? ': AT RISK, catch up or run `authsync reimport`' : ''}`,
    );
  line('last error', report.lastError ?? 'none');
  line('dead letters', String(report.deadLetters));
  line('waiting events', String(report.inbox.pending ?? 0));
  if (report.inbox.queued) line('queued events', String(report.inbox.queued));
  line('held webhooks', String(report.inbox.held ?? 0));
  for (const d of report.destinations ?? [])
    line(
      `destination`,
      `${d.name}: ${d.pending} pending${d.retrying ? ` (${d.retrying} retrying)` : ''}, ${d.failed} failed${d.disabled ? ', DISABLED (authsync deliveries enable)' : ''}${d.lastError ? `; last error: ${d.lastError}` : ''}`,
    );
  for (const l of laneBacklog)
    line(
      '  lane backlog',
      `${l.lane || '(no organization)'}: ${[
        l.waiting ? `${l.waiting} waiting` : '',
        l.queued ? `${l.queued} queued` : '',
      ]
        .filter(Boolean)
        .join(', ')}`,
    );
  if (processes) {
    line('processes', String(processes.length));
    for (const p of processes)
      process.stdout.write(`  ${p.name}${p.reader ? '  (reader)' : ''}  since ${p.since}\n`);
  }
  process.stdout.write('rows\n');
  for (const [table, n] of Object.entries(report.rows))
    process.stdout.write(`  ${table.padEnd(34)}${n.toLocaleString('en-US').padStart(10)}\n`);
}
